/**
 * Shared by the *UnderCrash tests (issue 22): two `work` processes SIGKILLed again and again while their
 * calls are in flight. The harness's simulator takes its decision when a request arrives and answers after
 * its latency, so a call in flight at the kill is applied although its caller never hears back.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { freePort, startRedis, waitForPort } from "./privateRedis.js";
import { cli, killBackground, readReport, startCli, until, type Harness } from "./helpers.js";

/** The flags every process of a test shares: the harness's prefix, endpoint and reports folder. */
export function common(h: Harness): string[] {
  return ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports")];
}

/** Seeds contacts `${prefix}0`… each holding `v` = `old${i}` and a name the runs never touch. */
export function seedOld(h: Harness, n: number, prefix: string): void {
  const started = new Date(Date.now() - 3600_000);
  for (let i = 0; i < n; i++) {
    h.sim.addContact({ instanceId: "i", contactId: `${prefix}${i}`, initiationTimestamp: started, attributes: { v: `old${i}`, keep: "k" } });
  }
}

/** What `report`, `status` and `cancel` take: the prefix and the reports folder. */
export function reportFlags(h: Harness): string[] {
  return ["--prefix", h.prefix, "--reports-dir", join(h.dir, "reports")];
}

export interface KillPlan {
  readonly kills: number;
  /** Requests the simulator must receive between two kills (so each kill finds calls in flight). */
  readonly every: number;
}

/**
 * Works a run with two `work` processes, SIGKILLing one (alternately) each time the simulator has received
 * `every` more requests, and starting a fresh one in its place; then works it to the end with a worker that
 * exits when idle, and stops the others (idle by then).
 */
export async function workThroughKills(h: Harness, runId: string, workArgs: readonly string[], plan: KillPlan): Promise<void> {
  const args = ["work", "--run-id", runId, "--prefix", h.prefix, "--endpoint", h.endpoint, "--lock-duration", "1500", ...workArgs];
  const workers = [startCli(args), startCli(args)];
  for (let k = 0; k < plan.kills; k++) {
    const seen = h.sim.stats().requests;
    await until(() => h.sim.stats().requests >= seen + plan.every, 30_000);
    const slot = k % 2;
    const victim = workers[slot];
    if (!victim) throw new Error("no worker");
    victim.child.kill("SIGKILL");
    await victim.exited;
    workers[slot] = startCli(args);
  }
  const last = await cli([...args, "--exit-when-idle"]);
  if (last.code !== 0) throw new Error(`the last worker exited ${last.code}: ${last.stderr}`);
  const ctx = await h.ctx();
  await until(async () => (await ctx.store.progress(runId))?.complete === true, 30_000);
  killBackground();
}

/** One line of outcomes.csv. */
export interface ReportRow {
  readonly line: string;
  readonly contactId: string;
  readonly status: string;
  readonly errorCode: string;
  readonly message: string;
  readonly attempts: string;
}

export async function outcomesOf(h: Harness, runId: string): Promise<ReportRow[]> {
  return (await readReport(join(h.dir, "reports", runId, "outcomes.csv"))) as unknown as ReportRow[];
}

/** What these tests read of summary.json (`cutShort` is what issue 22 adds). */
export interface SummaryJson {
  readonly rows: number;
  readonly requests: number;
  readonly complete: boolean;
  readonly counts: Record<string, number>;
  readonly cutShort?: { readonly readLines: number };
}

export async function summaryOf(h: Harness, runId: string): Promise<SummaryJson> {
  return JSON.parse(await readFile(join(h.dir, "reports", runId, "summary.json"), "utf8"));
}

/** Contacts the simulator applied an update to (each once, however many times it came). */
export function appliedContacts(h: Harness): Set<string> {
  return new Set(h.sim.updates().map((u) => u.contactId));
}

const redisServers: ChildProcess[] = [];

/** Kills the private Redis servers this file started. */
export function stopPrivateRedis(): void {
  for (const p of redisServers.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
}

/** A private Redis that the test can kill and start again on the same port and data. */
export async function privateRedis(x: Harness): Promise<{ url: string; restart: () => Promise<void> }> {
  const port = await freePort();
  let redis = startRedis(port, x.dir);
  redisServers.push(redis);
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      redis.kill("SIGKILL");
      await new Promise((r) => redis.on("exit", r));
      // Down for longer than a fail-fast command's connection retries (about 1.2 s).
      await new Promise((r) => setTimeout(r, 3000));
      redis = startRedis(port, x.dir);
      redisServers.push(redis);
      await waitForPort(port);
    },
  };
}
