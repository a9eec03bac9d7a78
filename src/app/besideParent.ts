import { hostname } from "node:os";
import { dirname } from "node:path";
import type { Config } from "../config/loadConfig.js";
import type { AppContext } from "./context.js";

/**
 * The config of a run made from another run's outcomes (retry, rollback): without
 * --reports-dir, its reports folder is the one that holds the parent's outcomes
 * when that is on this host (a job's runs report into the job's folder, not ./reports).
 */
export async function besideParent(ctx: AppContext, parentId: string): Promise<Config> {
  const { config } = ctx;
  if (config.given.has("reports-dir")) return config;
  const where = await ctx.store.spoolLocation(parentId);
  const at = where?.indexOf(":") ?? -1;
  if (where === undefined || at < 0 || where.slice(0, at) !== hostname()) return config;
  // host:<reports-dir>/<runId>/.outcomes.spool
  const reportsDir = dirname(dirname(where.slice(at + 1)));
  return Object.freeze({ ...config, reportsDir });
}
