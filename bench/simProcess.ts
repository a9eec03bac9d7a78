// The simulator in its own process, driven over its admin API (the governor and quota benches).
import type { AcceptedUpdate, SimulatorStats } from "../src/simulator/index.js";
import { freePort } from "../test/integration/privateRedis.js";
import { runCli, sleep } from "./lib.js";

/**
 * The simulator in its own process (`connect-backfill simulate`), driven over its admin API: neither
 * contender shares an event loop with it, as neither would with Connect.
 */
export class SimProcess {
  private constructor(
    readonly endpoint: string,
    private readonly cli: ReturnType<typeof runCli>,
  ) {}

  static async start(latencyMs: number): Promise<SimProcess> {
    const port = await freePort();
    const cli = runCli(["simulate", "--port", String(port), "--auto-create", "--latency", String(latencyMs)]);
    const sim = new SimProcess(`http://127.0.0.1:${port}`, cli);
    let exited = false;
    void cli.done.then(() => (exited = true));
    for (let i = 0; ; i++) {
      if (exited) throw new Error(`simulator exited: ${(await cli.done).stderr.slice(-500)}`);
      try {
        await sim.stats();
        return sim;
      } catch (err) {
        if (i > 300) {
          await sim.stop();
          throw err;
        }
        await sleep(50);
      }
    }
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.endpoint}/__sim/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  stats(): Promise<SimulatorStats> {
    return this.call("GET", "stats");
  }

  updates(from = 0): Promise<AcceptedUpdate[]> {
    return this.call("GET", `updates?from=${from}`);
  }

  async reset(): Promise<void> {
    await this.call("POST", "reset");
  }

  async setRate(rate: number | null, burst?: number): Promise<void> {
    await this.call("POST", "rate", { rate, ...(burst === undefined ? {} : { burst }) });
  }

  /** Service Quotas (same port) refuses every caller, or answers from the quotas. */
  async denyServiceQuotas(denied: boolean): Promise<void> {
    await this.call("POST", "service-quotas", { denied });
  }

  async setLatency(ms: number): Promise<void> {
    await this.call("POST", "latency", { ms });
  }

  async stop(): Promise<void> {
    const { child } = this.cli;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.kill("SIGTERM");
    await this.cli.done;
    clearTimeout(timer);
  }
}
