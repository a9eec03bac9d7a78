// Shared checks for the deployment recipes (Dockerfile, docker-compose.yml, Kubernetes): what a container's
// command line means to the CLI itself, read by the same parser and option table the program uses.
import { commands } from "../../src/cli/commands/index.js";
import { parseArgs } from "../../src/cli/parseArgs.js";
import { type Config, type ConfigFlags, loadConfig } from "../../src/config/loadConfig.js";

/**
 * After SIGTERM a worker gives calls in flight --shutdown-timeout, then takes up to this many seconds more:
 * BullMQ's close past the timeout (3 s), the outcome writer's flush (3 s), the timeline and counters (1 s each),
 * see BackfillWorker.close, then the command's queues and Redis connection (2 s each, app/context.ts).
 */
export const HAND_BACK_S = 3 + 3 + 1 + 1 + 2 + 2;

/** The Config a container gets from its arguments (after the entrypoint) and environment; throws as the CLI would. */
export function configOf(args: readonly string[], env: Record<string, string>): { command: string; positionals: string[]; config: Config } {
  const [name, ...rest] = args;
  const command = name ? commands[name] : undefined;
  if (!name || !command) throw new Error(`unknown command ${JSON.stringify(name)}`);
  const parsed = parseArgs(rest, command.flags, name);
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) throw new Error(`${name}: ${parsed.positionals.length} arguments, wants ${min}–${max}`);
  return { command: name, positionals: parsed.positionals, config: loadConfig(parsed.flags as ConfigFlags, env, { runIdList: command.runIdList === true }) };
}

/** Seconds of "30s", "1m30s", "45" (compose durations). */
export function seconds(duration: string | number): number {
  if (typeof duration === "number") return duration;
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)?/g)) total += Number(n) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[unit ?? "s"] ?? 1);
  return total;
}
