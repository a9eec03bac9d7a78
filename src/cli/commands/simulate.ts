import { readFile } from "node:fs/promises";
import { type ConnectSimulator, connectSimulator } from "../../app/simulator.js";
import { EXIT, fatalError, usageError } from "../exitCodes.js";
import type { CommandInput } from "./Command.js";

/** `UpdateContact=5/10,DescribeContact=2`: per-API quotas, checked by the simulator itself. */
function parseQuotas(text: string): Record<string, { rate: number; burst?: number }> {
  const out: Record<string, { rate: number; burst?: number }> = {};
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw usageError(`simulate: --quota takes OPERATION=RATE[/BURST] separated by commas (such as UpdateContact=5/10), got "${part}"`);
    out[m[1] as string] = { rate: Number(m[2]), ...(m[3] !== undefined ? { burst: Number(m[3]) } : {}) };
  }
  return out;
}

/**
 * `connect-backfill simulate`: the local Connect stand-in on a port until SIGINT.
 * Point the tool at it with --endpoint or AWS_ENDPOINT_URL_CONNECT.
 */
export async function simulateCommand({ flags }: CommandInput): Promise<number> {
  let contacts: unknown[] = [];
  if (typeof flags.contacts === "string") {
    try {
      contacts = JSON.parse(await readFile(flags.contacts, "utf8")) as unknown[];
    } catch (err) {
      throw fatalError(
        `${flags.contacts}: cannot read the contacts file (${(err as Error).message}); it must be a JSON array of {instanceId, contactId, initiationTimestamp, attributes?}.`,
      );
    }
    if (!Array.isArray(contacts)) throw fatalError(`${flags.contacts}: must hold a JSON array of contacts.`);
  }
  const quotas = typeof flags.quota === "string" ? parseQuotas(flags.quota) : undefined;
  let sim: ConnectSimulator;
  try {
    sim = connectSimulator({
      port: (flags.port as number | undefined) ?? 4566,
      host: (flags.host as string | undefined) ?? "127.0.0.1",
      rate: (flags.rate as number | undefined) ?? null,
      ...(flags.burst !== undefined ? { burst: flags.burst as number } : {}),
      latencyMs: (flags.latency as number | undefined) ?? 0,
      autoCreate: Boolean(flags["auto-create"]) || Boolean(flags["auto-create-on-read"]),
      autoCreateOnRead: Boolean(flags["auto-create-on-read"]),
      contacts: contacts as never,
      ...(quotas ? { quotas } : {}),
      ...(flags["accepted-log-limit"] !== undefined ? { acceptedLogLimit: flags["accepted-log-limit"] as number } : {}),
    });
  } catch (err) {
    throw usageError(`simulate: ${(err as Error).message}`);
  }
  const started = await sim.start();
  process.stdout.write(
    `Connect simulator listening on ${started.endpoint}\n  use: AWS_ENDPOINT_URL_CONNECT=${started.endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x connect-backfill run file.csv --instance-id ...\n  admin: ${started.endpoint}/__sim/stats\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await sim.stop();
  return EXIT.ok;
}
