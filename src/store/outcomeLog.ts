import type { Redis } from "ioredis";
import type { BreakerSettings, RecordedOutcome } from "../domain/breaker.js";
import { encodeOutcome } from "../domain/outcomeCodec.js";
import { type Keys, OUTCOME_FIELD, RUN } from "./keys.js";
import { GROUP_FIELDS, groupAlike, groupArgs, groupText } from "./outcomeGroups.js";
import { RECORD } from "./recordScript.js";
import { SentCalls } from "./sentCalls.js";

/** Stream entries read first, before the rows an entry holds are known. */
const FIRST_PAGE = 64;

/** A stream entry not yet written out: its id, its text (one outcome's or a group's) and how many outcomes it holds. */
export interface PendingEntry {
  readonly id: string;
  readonly encoded: string;
  readonly rows: number;
}

type TrimCmd = (stream: string, run: string, upto: string, minId: string) => Promise<number>;

/**
 * The outcomes of a run's stream up to an id dropped, and the stream's count of outcomes lowered by as many
 * (a group's entry holds several). KEYS: [1] stream, [2] run hash. ARGV: [1] last id dropped, [2] the id
 * after it (XTRIM MINID keeps what is at or after it). The range is at most a drain's batch.
 */
const TRIM = `
local rows = 0
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', ARGV[1])) do
  local f = e[2]
  -- A group's lines, "," between them: the value after the name "l" (Lua counts from 1, names and values alternate).
  if f[1] == '${GROUP_FIELDS[0]}' then rows = rows + select(2, string.gsub(f[${2 * GROUP_FIELDS.indexOf("l") + 2}], ',', '')) + 1 else rows = rows + 1 end
end
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[2])
if rows > 0 and redis.call('HEXISTS', KEYS[2], '${RUN.streamRows}') == 1 then redis.call('HINCRBY', KEYS[2], '${RUN.streamRows}', -rows) end
return rows
`;

/**
 * Outcomes a stream holds: its count where every writer keeps one (a run whose entries may be groups), its
 * length for a run of the release before (one entry a row; a count there is partial, or below 0 after trims).
 */
export function streamRowsOf(length: unknown, counted: unknown): number {
  return Math.max(Number(length ?? 0), Number(counted ?? 0));
}

/** `args` goes as one array (ioredis flattens it): spread, a call's 100,000 rows were more arguments than a JavaScript call takes. */
type RecordCmd = (k1: string, k2: string, k3: string, k4: string, k5: string, args: Array<string | number | Buffer>) => Promise<[number, string]>;

/**
 * A run's outcomes while in Redis: the done bitmap (one outcome per line), the
 * stream a report writer drains, the counters and the circuit breaker, all
 * moved by one script.
 */
export class OutcomeLog {
  private readonly redis: Redis & { cbRecord5?: RecordCmd; cbTrimOutcomes?: TrimCmd };
  private readonly sent: SentCalls;

  constructor(
    redis: Redis,
    private readonly keys: Keys,
  ) {
    this.redis = redis as OutcomeLog["redis"];
    if (!this.redis.cbRecord5) redis.defineCommand("cbRecord5", { numberOfKeys: 5, lua: RECORD });
    if (!this.redis.cbTrimOutcomes) redis.defineCommand("cbTrimOutcomes", { numberOfKeys: 2, lua: TRIM });
    this.sent = new SentCalls(redis, keys);
  }

  /** A call going (any API): see SentCalls. */
  countSent(runId: string, writes?: readonly number[]): Promise<boolean> {
    return this.sent.count(runId, writes);
  }

  /** Of `lines`, those whose write call was handed to the HTTP handler at least once. */
  async maybeSent(runId: string, lines: readonly number[]): Promise<Set<number>> {
    if (lines.length === 0) return new Set();
    const p = this.redis.pipeline();
    for (const line of lines) p.getbit(this.keys.sending(runId), line);
    const res = (await p.exec()) ?? [];
    return new Set(lines.filter((_, i) => res[i]?.[1] === 1));
  }

  /**
   * Writes outcomes; returns how many were new and the run's state afterwards. `grouped`: rows alike but for
   * line and contact may share one stream entry (outcomeGroups.ts), and the stream keeps its count of
   * outcomes: for runs whose readers all know groups (groupsOutcomes), and then for every write to the run.
   */
  async record(runId: string, rows: readonly RecordedOutcome[], breaker: BreakerSettings, grouped = false): Promise<{ added: number; state: string }> {
    if (rows.length === 0) return { added: 0, state: "" };
    const { singles, groups } = grouped ? groupAlike(rows) : { singles: rows, groups: [] };
    const args: Array<string | number | Buffer> = [
      runId,
      breaker.window,
      breaker.ratio,
      breaker.auth,
      breaker.consecutive,
      Date.now(),
      singles.length,
      grouped ? 1 : 0,
    ];
    for (const { outcome: o, flag } of singles) args.push(`${o.line}|${o.status}|${o.throttles}|${flag}|${o.errorCode}`, encodeOutcome(o));
    for (const g of groups) args.push(...groupArgs(g));
    const k = this.keys;
    const [added, state] = await (this.redis.cbRecord5 as RecordCmd)(k.done(runId), k.run(runId), k.outcomes(runId), k.breaker(runId), k.breakerCodes(runId), args);
    return { added: Number(added), state };
  }

  /**
   * Lines among `lines` that already have an outcome. The done bitmap is read by spans of bytes (a chunk's
   * lines are mostly close together): one GETRANGE per span instead of a GETBIT per line.
   */
  async finished(runId: string, lines: readonly number[]): Promise<Set<number>> {
    if (lines.length === 0) return new Set();
    const key = this.keys.done(runId);
    const spans = byteSpans(lines);
    const pipe = this.redis.pipeline();
    for (const [from, to] of spans) pipe.getrangeBuffer(key, from, to);
    const res = (await pipe.exec()) ?? [];
    const done = new Set<number>();
    res.forEach(([err, bytes], i) => {
      if (err) throw err;
      const [from, , spanLines] = spans[i] as Span;
      const buf = bytes as Buffer;
      for (const line of spanLines) {
        const at = Math.floor(line / 8) - from;
        // Redis numbers a bitmap's bits from the most significant bit of each byte; past the string's end all are 0.
        if (at < buf.length && ((buf[at] as number) >> (7 - (line % 8))) & 1) done.add(line);
      }
    });
    return done;
  }

  /**
   * Outcomes not yet written out, oldest first, from at most `count` stream entries after id `after`, and no
   * more entries once `maxRows` outcomes are in hand (an entry may hold a chunk's group: 1,000 of them could
   * be millions of rows). Read a page at a time, each sized by the rows per entry seen so far. An entry's
   * text is an outcome's (outcomeCodec.ts) or a group's (groupCodec.ts); `rows`: how many outcomes it holds.
   */
  async pending(runId: string, after: string, count: number, maxRows = Number.POSITIVE_INFINITY): Promise<PendingEntry[]> {
    const out: PendingEntry[] = [];
    let from = after;
    let rows = 0;
    for (let page = Math.min(count, FIRST_PAGE); page > 0; ) {
      const res = await this.redis.xrange(this.keys.outcomes(runId), `(${from}`, "+", "COUNT", page);
      for (const [id, fields] of res) {
        if (fields[0] === OUTCOME_FIELD) out.push({ id, encoded: fields[1] as string, rows: 1 });
        else {
          const { text, rows: n } = groupText(fields);
          out.push({ id, encoded: text, rows: n });
        }
        rows += (out.at(-1) as PendingEntry).rows;
        from = id;
        if (rows >= maxRows) return out;
      }
      if (res.length < page) return out;
      page = Math.min(count - out.length, Math.ceil(((maxRows - rows) * out.length) / rows));
    }
    return out;
  }

  /** Drops outcomes up to and including `upto`: they are safely on disk. */
  async trim(runId: string, upto: string): Promise<void> {
    // MINID keeps ids >= the given one; trimming to the next id drops `upto` too.
    const [ms, seq] = upto.split("-").map(Number) as [number, number];
    await (this.redis.cbTrimOutcomes as TrimCmd)(this.keys.outcomes(runId), this.keys.run(runId), upto, `${ms}-${seq + 1}`);
  }

  /** Outcomes still in Redis, not yet moved to a spool. */
  async inRedis(runId: string): Promise<number> {
    const res = await this.redis.multi().xlen(this.keys.outcomes(runId)).hget(this.keys.run(runId), RUN.streamRows).exec();
    return streamRowsOf(res?.[0]?.[1], res?.[1]?.[1]);
  }
}

/** Bytes of the done bitmap read at once at most, and the gap that starts a new span (a few hundred lines). */
const MAX_SPAN_BYTES = 4096;
const GAP_BYTES = 64;

type Span = [from: number, to: number, lines: number[]];

/** The byte spans (inclusive) of the done bitmap that hold `lines`, each with its lines. */
export function byteSpans(lines: readonly number[]): Span[] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const spans: Span[] = [];
  let cur: Span | undefined;
  for (const line of sorted) {
    const b = Math.floor(line / 8);
    if (cur && b - cur[1] <= GAP_BYTES && b - cur[0] < MAX_SPAN_BYTES) {
      cur[1] = b;
      cur[2].push(line);
    } else {
      cur = [b, b, [line]];
      spans.push(cur);
    }
  }
  return spans;
}
