import { readFile } from "node:fs/promises";
import { ConnectSimulator } from "../../simulator/index.js";
import { EXIT, fatalError, usageError } from "../exitCodes.js";
import type { CommandInput } from "./Command.js";


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
      throw fatalError(`${flags.contacts}: cannot read the contacts file (${(err as Error).message}); it must be a JSON array of {instanceId, contactId, initiationTimestamp, attributes?}.`);
    }
    if (!Array.isArray(contacts)) throw fatalError(`${flags.contacts}: must hold a JSON array of contacts.`);
  }
  let sim: ConnectSimulator;
  try {
    sim = new ConnectSimulator({
      port: (flags.port as number | undefined) ?? 4566,
      host: (flags.host as string | undefined) ?? "127.0.0.1",
      rate: (flags.rate as number | undefined) ?? null,
      ...(flags.burst !== undefined ? { burst: flags.burst as number } : {}),
      latencyMs: (flags.latency as number | undefined) ?? 0,
      autoCreate: Boolean(flags["auto-create"]),
      contacts: contacts as never,
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
