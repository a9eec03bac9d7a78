import { BackfillError } from "../lib/errors.js";
import { RedisRefusedError, redisTrouble, troubleMessage } from "../queue/redisTrouble.js";

/**
 * A Redis refusal met anywhere (a full Redis under `resume`, `cancel`…) is one
 * known sentence too, instead of the client's own error (which may quote a
 * command's arguments). An error already said in a sentence of ours is kept.
 */
export function knownError(err: unknown): unknown {
  const trouble = err instanceof BackfillError ? undefined : redisTrouble(err);
  return trouble ? new RedisRefusedError(`${troubleMessage(trouble)}.`) : err;
}
