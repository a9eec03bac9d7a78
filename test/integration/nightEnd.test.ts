import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, harness, until, type Harness } from "./helpers.js";

// Every end of a job's night is told (issue 28, item 3): one that never started too, with the job, the exit
// code and a verdict, in the history, the `run ended` line and a signed webhook.

let h: Harness | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  receiver = undefined;
});

type Post = { body: Record<string, unknown>; raw: string; signature: string | undefined };

async function webhook(): Promise<{ url: string; got: Post[] }> {
  const got: Post[] = [];
  receiver = createServer((req: IncomingMessage, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const sig = req.headers["x-connect-backfill-signature"];
      got.push({ body: JSON.parse(raw) as Record<string, unknown>, raw, signature: typeof sig === "string" ? sig : undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver?.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, got };
}

async function job(h: Harness, extra: Record<string, unknown>): Promise<string> {
  const path = join(h.dir, "nightly.json");
  await writeFile(
    path,
    JSON.stringify({ name: "nightly", input: "export-*.csv", instanceId: "inst", endpoint: h.endpoint, region: "us-east-1", reportsDir: "reports", ...extra }),
  );
  return path;
}

/** The `run ended` JSON line of stderr. */
function runEnded(stderr: string): Record<string, unknown> {
  const line = stderr.split("\n").find((l) => l.includes('"msg":"run ended"'));
  if (!line) throw new Error(`no run ended line in: ${stderr}`);
  return JSON.parse(line) as Record<string, unknown>;
}

const SECRET = "s3cret-for-tests";

describe("a job's night that does not start is told", () => {
  it("no export: exit 1 like a missing file; history, run ended and a signed webhook say not-started", async () => {
    h = await harness({ latencyMs: 1 });
    const hook = await webhook();
    const path = await job(h, { notify: hook.url });
    const res = await cli(["run", path, "--prefix", h.prefix], { CONNECT_BACKFILL_NOTIFY_SECRET: SECRET, LOG_LEVEL: "info" });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/"input" "export-\*\.csv" matches no file in /);
    expect(runEnded(res.stderr)).toMatchObject({ job: "nightly", exitCode: 1, verdict: "not-started", history: "recorded" });

    await until(() => hook.got.length >= 1, 10_000);
    const post = hook.got[0] as Post;
    expect(post.body).toMatchObject({ job: "nightly", event: "not-started", verdict: "not-started", exitCode: 1, runId: null });
    expect(post.body.text).toMatch(/^job nightly: not-started \(exit 1\): .*matches no file/);
    expect(post.signature).toBe(`sha256=${createHmac("sha256", SECRET).update(post.raw).digest("hex")}`);

    const hist = JSON.parse((await cli(["history", "nightly", "--json", "--prefix", h.prefix])).stdout) as Array<Record<string, unknown>>;
    expect(hist).toMatchObject([{ event: "not-started", verdict: "not-started", exitCode: 1 }]);
    expect((await cli(["history", "nightly", "--prefix", h.prefix])).stdout).toMatch(/not started, exit 1: .*matches no file/);
  });

  it("Redis down: exit 1, the run ended line and the webhook still happen, and say the history is not recorded", async () => {
    h = await harness({ latencyMs: 1 });
    const hook = await webhook();
    await writeFile(join(h.dir, "export-1.csv"), "contactId,tier\nc1,gold\n");
    const path = await job(h, { notify: hook.url });
    const res = await cli(["run", path, "--prefix", h.prefix, "--redis-url", "redis://127.0.0.1:1"], { LOG_LEVEL: "info" });
    expect(res.code).toBe(1);
    expect(runEnded(res.stderr)).toMatchObject({
      job: "nightly",
      exitCode: 1,
      verdict: "not-started",
      history: expect.stringMatching(/^not recorded: Cannot reach Redis/),
    });
    await until(() => hook.got.length >= 1, 10_000);
    expect(hook.got[0]?.body).toMatchObject({ job: "nightly", verdict: "not-started", exitCode: 1, history: expect.stringMatching(/^not recorded/) });
    expect(hook.got[0]?.signature).toBeUndefined();
  });

  it("a bad job file that still names its job and webhook: exit 2, told as not-started", async () => {
    h = await harness({ latencyMs: 1 });
    const hook = await webhook();
    const path = await job(h, { notify: hook.url, rate: "fast" });
    const res = await cli(["run", path, "--prefix", h.prefix], { LOG_LEVEL: "info" });
    expect(res.code).toBe(2);
    expect(runEnded(res.stderr)).toMatchObject({ job: "nightly", exitCode: 2, verdict: "not-started" });
    await until(() => hook.got.length >= 1, 10_000);
    expect(hook.got[0]?.body).toMatchObject({ job: "nightly", verdict: "not-started", exitCode: 2, reason: expect.stringMatching(/"rate" must be a number/) });
    const hist = JSON.parse((await cli(["history", "nightly", "--json", "--prefix", h.prefix])).stdout) as Array<Record<string, unknown>>;
    expect(hist).toMatchObject([{ event: "not-started", exitCode: 2 }]);
  });

  it("a night with failed rows says failed-rows (exit 3) in the history, the run ended line and the webhook", async () => {
    h = await harness({ latencyMs: 1 });
    const hook = await webhook();
    await writeFile(join(h.dir, "export-1.csv"), "contactId,tier\nc1,gold\nc2,gold\n");
    const path = await job(h, { notify: hook.url });
    h.sim.injectFaults("c2", ["ConflictException"]);
    const res = await cli(["run", path, "--prefix", h.prefix, "--quiet"], { LOG_LEVEL: "info" });
    expect(res.code).toBe(3);
    expect(runEnded(res.stderr)).toMatchObject({ job: "nightly", exitCode: 3, verdict: "failed-rows" });
    await until(() => hook.got.length >= 1, 10_000);
    expect(hook.got[0]?.body).toMatchObject({ job: "nightly", event: "finished", verdict: "failed-rows", exitCode: 3, history: "recorded" });
    expect(hook.got[0]?.body.text).toMatch(/^job nightly: run nightly-\S+ failed-rows \(exit 3\): 2 rows \(updated 1, failed 1\), \d+ calls$/);
    const hist = JSON.parse((await cli(["history", "nightly", "--json", "--prefix", h.prefix])).stdout) as Array<Record<string, unknown>>;
    expect(hist).toMatchObject([{ event: "finished", verdict: "failed-rows", exitCode: 3 }]);
  });
});
