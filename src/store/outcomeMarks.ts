import type { Redis } from "ioredis";
import { type Keys, RUN } from "./keys.js";

/** What the outcome log's script counts of a row that is not sent (no breaker flag). */
export interface MarkedRow {
  readonly line: number;
  readonly status: string;
  readonly errorCode: string;
  readonly throttles: number;
}

/**
 * The outcome log's script (outcomeLog.ts) for rows whose outcome itself is kept elsewhere (a dry run writes
 * its own straight to its spool): the same done bit, counters and lastAt, without the stream entry. Rows
 * travel grouped by status, error code and throttles, each group's lines as one comma-separated argument:
 * a 500-row chunk is a handful of arguments, not 3,500.
 *
 * KEYS: [1] done bitmap, [2] run hash. ARGV: [1] now (epoch ms), then 4 per group: status, errorCode,
 * throttles per row, lines. Returns {lines that already had an outcome (not counted again), run state}
 * ('gone': the run's hash does not exist; nothing written).
 */
const MARK = `
if redis.call('EXISTS', KEYS[2]) == 0 then return {{}, 'gone'} end
local already = {}
local added = 0
for i = 2, #ARGV, 4 do
  local n = 0
  for line in string.gmatch(ARGV[i + 3], '%d+') do
    if redis.call('SETBIT', KEYS[1], tonumber(line), 1) == 0 then n = n + 1 else already[#already + 1] = tonumber(line) end
  end
  if n > 0 then
    added = added + n
    redis.call('HINCRBY', KEYS[2], '${RUN.countPrefix}' .. ARGV[i], n)
    if ARGV[i + 1] ~= '' then redis.call('HINCRBY', KEYS[2], '${RUN.errorPrefix}' .. ARGV[i + 1], n) end
    local thr = tonumber(ARGV[i + 2])
    if thr > 0 then redis.call('HINCRBY', KEYS[2], '${RUN.throttled}', thr * n) end
  end
end
if added > 0 then redis.call('HSET', KEYS[2], '${RUN.lastAt}', ARGV[1]) end
return {already, redis.call('HGET', KEYS[2], '${RUN.state}') or ''}
`;

type MarkCmd = (done: string, run: string, ...args: Array<string | number>) => Promise<[number[], string]>;

export class OutcomeMarks {
  private readonly redis: Redis & { cbMarkOutcomes?: MarkCmd };

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    this.redis = redis as OutcomeMarks["redis"];
    if (!this.redis.cbMarkOutcomes) redis.defineCommand("cbMarkOutcomes", { numberOfKeys: 2, lua: MARK });
  }

  /** Marks and counts the rows; returns the lines that already had an outcome and the run's state afterwards. */
  async mark(runId: string, rows: readonly MarkedRow[]): Promise<{ already: Set<number>; state: string }> {
    if (rows.length === 0) return { already: new Set(), state: "" };
    type Group = { status: string; errorCode: string; throttles: number; lines: number[] };
    const groups = new Map<string, Group>();
    let last: Group | undefined;
    for (const r of rows) {
      // Most rows of a batch share the row before's group: no key made for them.
      if (!last || last.status !== r.status || last.errorCode !== r.errorCode || last.throttles !== r.throttles) {
        const key = `${r.status}\n${r.errorCode}\n${r.throttles}`;
        last = groups.get(key);
        if (!last) groups.set(key, (last = { status: r.status, errorCode: r.errorCode, throttles: r.throttles, lines: [] }));
      }
      last.lines.push(r.line);
    }
    const args: Array<string | number> = [Date.now()];
    for (const g of groups.values()) args.push(g.status, g.errorCode, g.throttles, g.lines.join(","));
    const [already, state] = await (this.redis.cbMarkOutcomes as MarkCmd)(this.keys.done(runId), this.keys.run(runId), ...args);
    return { already: new Set(already.map(Number)), state };
  }
}
