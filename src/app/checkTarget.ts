import { randomUUID } from "node:crypto";
import { checkConnect, errText } from "./checkConnect.js";
import { aheadFor, type CheckAhead } from "./checkAhead.js";
import { checkConnectApart } from "./checkConnectThread.js";
import type { CheckOptions, CheckResult } from "./checkOptions.js";
import { BackfillError } from "../lib/errors.js";
import { redisTrouble, troubleMessage } from "../queue/redisTrouble.js";
import type { AppContext } from "./context.js";

export type { CheckOptions, CheckResult } from "./checkOptions.js";

/** What `check` found wrong: one sentence per problem, exit 1. */
export class CheckFailed extends BackfillError {
  override readonly name = "CheckFailed";
  readonly code = "check-failed";
  constructor(readonly problems: readonly string[]) {
    // cli/main prints the message after "connect-backfill: ": each problem gets a line of its own.
    super(problems.join("\nconnect-backfill: "));
  }
}

/**
 * Whether a run can start: Redis takes a write, and what the AWS SDK says of the target (checkConnect.ts).
 * `apart`: the SDK is loaded in a thread of its own that ends with the check (checkConnectThread.ts), for a
 * command that makes no call itself (`enqueue`): it never holds the SDK's ~25 MB. `ahead`: the check a command
 * started before it loaded (checkAhead.ts), its answer taken when it was for these options. Nothing is queued or
 * written to Connect.
 */
export async function checkTarget(ctx: AppContext, opts: CheckOptions, { apart = false, ahead }: { apart?: boolean; ahead?: CheckAhead } = {}): Promise<CheckResult> {
  const redisWrite = await writesRedis(ctx);
  // A thread that could not answer (refused: node --permission without --allow-worker; out of memory) is no
  // verdict on the target: it is checked in this thread instead.
  const early = await aheadFor(ahead, opts)?.catch(() => undefined);
  const res = early ?? (apart ? await checkConnectApart(opts).catch(() => checkConnect(opts)) : await checkConnect(opts));
  return redisWrite ? { ...res, problems: [redisWrite, ...res.problems] } : res;
}

/** Redis takes a write under the prefix (a replica, a full server or a user without write rights would refuse each outcome). */
async function writesRedis(ctx: AppContext): Promise<string | undefined> {
  const key = ctx.keys.writeProbe(randomUUID());
  try {
    await ctx.redis.set(key, "1", "PX", 10_000);
    await ctx.redis.del(key);
    return undefined;
  } catch (err) {
    const trouble = redisTrouble(err);
    return trouble ? `${troubleMessage(trouble)}.` : `Redis refused a write (${errText(err)}): queued rows and their outcomes could not be kept.`;
  }
}
