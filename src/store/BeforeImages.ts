import type { Redis } from "ioredis";
import type { Keys } from "./keys.js";

/**
 * KEYS[1]: the run's before-images hash. ARGV: pairs of field, value.
 * Each field is set only if absent (the first read of a name, before the run's
 * first write to it, wins); returns the values now kept, in order.
 */
const KEEP = `
local out = {}
for i = 1, #ARGV, 2 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i])
end
return out
`;

const NUL = "\u0000";

/** A kept value: "n" for a name the contact did not have, "s" + its text otherwise. */
function encode(v: string | null): string {
  return v === null ? "n" : `s${v}`;
}
function decode(v: string): string | null {
  return v === "n" ? null : v.slice(1);
}

/**
 * `--capture-before`: what each contact held before the run first wrote to it,
 * kept in Redis before the call goes, once per run, contact and name. A call
 * whose worker dies after the service applied it is sent again by another
 * worker, which reads the run's own values back: the image kept by the first
 * read is the one its outcome carries, so `rollback` restores what was there
 * before the run, never the run's own values.
 */
export class BeforeImages {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Keeps `before` for the names not yet kept, and returns the values kept for every name of it (the first read's). */
  async keep(runId: string, instanceId: string, contactId: string, before: Readonly<Record<string, string | null>>): Promise<Record<string, string | null>> {
    const names = Object.keys(before);
    if (names.length === 0) return Object.create(null) as Record<string, string | null>;
    const args: string[] = [];
    for (const name of names) args.push(`${instanceId}${NUL}${contactId}${NUL}${name}`, encode(before[name] ?? null));
    const kept = (await this.redis.eval(KEEP, 1, this.keys.beforeImages(runId), ...args)) as string[];
    const out = Object.create(null) as Record<string, string | null>;
    names.forEach((name, i) => {
      out[name] = decode(kept[i] ?? encode(before[name] ?? null));
    });
    return out;
  }

  /** Lets go of a contact's kept values once the outcome carrying them is durable (best effort: a leftover is harmless). */
  async forget(runId: string, to: { readonly instanceId: string; readonly contactId: string }, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.redis.hdel(this.keys.beforeImages(runId), ...names.map((n) => `${to.instanceId}${NUL}${to.contactId}${NUL}${n}`)).catch(() => undefined);
  }
}
