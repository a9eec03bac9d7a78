// `npm run demo`: a sample backfill through Redis and the bundled Connect
// simulator, driven by the real CLI exactly as a user would run it.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConnectSimulator } from "../src/simulator/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const seeds = JSON.parse(await readFile(join(root, "examples/contacts.seed.json"), "utf8")) as Array<Record<string, unknown>>;
// The sample's dates are fixed; a long retention keeps them "recent" for the simulator in years to come.
const sim = new ConnectSimulator({ rate: 10, retentionMonths: 1200, contacts: seeds as never });
const { endpoint } = await sim.start();
const runId = `demo-${Date.now().toString(36)}`;
// A prefix of its own (--prefix cb-demo below): the demo never meets a real run on the same Redis,
// and its run is queued for the simulator, so no other worker would take it either.
console.log(`Connect simulator on ${endpoint}; running examples/contacts.csv as run ${runId}\n`);

const args = [
  join(root, "bin/connect-backfill.js"),
  "run",
  join(root, "examples/contacts.csv"),
  "--instance-id",
  "demo-instance",
  "--run-id",
  runId,
  "--endpoint",
  endpoint,
  "--region",
  "us-east-1",
  "--rate",
  "10",
  "--log-level",
  "warn",
  "--prefix",
  "cb-demo",
];
const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, args, {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, AWS_ACCESS_KEY_ID: "demo", AWS_SECRET_ACCESS_KEY: "demo-secret", AWS_REGION: "us-east-1" },
  });
  child.on("exit", (c) => resolve(c ?? 1));
});
const stats = sim.stats();
await sim.stop();

console.log(`\nThe simulator saw ${stats.requests} requests (${stats.throttled} throttled).`);
const attrs = sim.attributesOf("demo-instance", "6f1c2a90-0001-4c1e-9a1e-000000000001");
console.log(`Contact ...0001 now holds: ${JSON.stringify(attrs)}`);
console.log(`Open reports/${runId}/failures.csv in a spreadsheet: fix a row, then feed the file back with "connect-backfill run".`);
console.log(`Exit code ${code}${code === 3 ? " (as expected: the sample holds invalid rows and an unknown contact)" : ""}.`);
process.exit(code === 3 ? 0 : 1);
