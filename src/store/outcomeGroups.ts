import type { RecordedOutcome } from "../domain/breaker.js";
import type { OutcomeStatus } from "../domain/Outcome.js";
import { encodeGroup } from "../domain/groupCodec.js";
import { packLines } from "./doneBits.js";

/**
 * Outcomes alike but for their line and contact id (the rows a chunk settles without a call: an unchanged
 * night's every row): one stream entry holds them all, not one entry each. Writing, keeping and reading a
 * stream entry per row was most of an unchanged night's time (100k rows: ~0.65 s of 2.7 s, measured by
 * leaving those entries out). The spool keeps a group as one line too; each row is one outcome of its own in the reports.
 */
export interface AlikeGroup {
  readonly status: OutcomeStatus;
  readonly errorCode: string;
  readonly instanceId: string;
  readonly finishedAt: number;
  /** The message after `line <line>: `; null for rows without a message (`groupAlike`'s `silent`). */
  readonly rest: string | null;
  readonly lines: number[];
  readonly contactIds: string[];
}

/** Fewer alike rows than this stay entries of their own: a group's fixed cost buys nothing. */
const MIN_GROUP = 2;

/** The fields of a group's stream entry, in this order: its first field's name tells it from a row's entry. */
export const GROUP_FIELDS = ["g", "e", "t", "i", "m", "l", "c"] as const;

/**
 * What can travel in a group: a row not sent (no breaker flag, no call, no answer), with nothing of its own
 * beyond line, contact and a message that starts with its line (or none, where `silent`). Returns the message
 * after that (null for none), or undefined.
 */
function restOf(item: RecordedOutcome, silent: boolean): string | null | undefined {
  const o = item.outcome;
  if (item.flag !== 0 || o.attempts !== 0 || o.throttles !== 0 || o.httpStatus !== undefined || o.original !== undefined) return undefined;
  if (o.retryable || o.keys || o.omit || o.image || !Number.isFinite(o.finishedAt)) return undefined;
  // A group's text travels to Redis as UTF-8, not as escaped JSON: a lone surrogate (a contact id cut inside an
  // emoji, a JSONL "\ud800") would come back as U+FFFD. Such a row keeps an entry of its own.
  if (!o.contactId.isWellFormed() || !o.instanceId.isWellFormed() || !o.message.isWellFormed() || !o.errorCode.isWellFormed()) return undefined;
  // A group's lines travel as 4 bytes each, its contact ids one per line of text.
  if (!Number.isInteger(o.line) || o.line < 0 || o.line > 0xffffffff || o.contactId.includes("\n")) return undefined;
  if (o.message === "") return silent ? null : undefined;
  const head = `line ${o.line}: `;
  return o.message.startsWith(head) ? o.message.slice(head.length) : undefined;
}

/**
 * Splits outcomes into those written one entry each (in their order) and groups of alike ones. `silent`: rows
 * without a message group too (a dry run's spool, written by this process; a stream entry's text has no null).
 */
export function groupAlike(rows: readonly RecordedOutcome[], { silent = false } = {}): { singles: RecordedOutcome[]; groups: AlikeGroup[] } {
  const byKey = new Map<string, { group: AlikeGroup; items: RecordedOutcome[] }>();
  const singles: RecordedOutcome[] = [];
  let last: { group: AlikeGroup; items: RecordedOutcome[] } | undefined;
  for (const item of rows) {
    const rest = restOf(item, silent);
    if (rest === undefined) {
      singles.push(item);
      continue;
    }
    const o = item.outcome;
    const g = last?.group;
    let into = last;
    // Most rows share the group of the row before: no key made for them.
    if (!into || !g || g.rest !== rest || g.status !== o.status || g.errorCode !== o.errorCode || g.instanceId !== o.instanceId || g.finishedAt !== o.finishedAt) {
      // Made only when the group changes: JSON, so no two groups share a key whatever their text holds.
      const key = JSON.stringify([o.status, o.errorCode, o.instanceId, o.finishedAt, rest]);
      into = byKey.get(key);
      if (!into) {
        into = {
          group: { status: o.status, errorCode: o.errorCode, instanceId: o.instanceId, finishedAt: o.finishedAt, rest, lines: [], contactIds: [] },
          items: [],
        };
        byKey.set(key, into);
      }
      last = into;
    }
    into.group.lines.push(o.line);
    into.group.contactIds.push(o.contactId);
    into.items.push(item);
  }
  const groups: AlikeGroup[] = [];
  for (const { group, items } of byKey.values()) {
    if (group.lines.length >= MIN_GROUP) groups.push(group);
    else singles.push(...items);
  }
  return { singles, groups };
}

/** A group's arguments to the outcome script: status, errorCode, finishedAt, instanceId, rest, lines, contact ids. */
export function groupArgs(g: AlikeGroup): Array<string | number | Buffer> {
  if (g.rest === null) throw new Error("an outcome group without a message has no stream entry");
  return [g.status, g.errorCode, g.finishedAt, g.instanceId, g.rest, packLines(g.lines), g.contactIds.join("\n")];
}

/** A group's stream entry as the text the spool keeps of it (domain/groupCodec.ts), and how many rows it holds. */
export function groupText(fields: readonly string[]): { text: string; rows: number } {
  const [, status, , errorCode, , finishedAt, , instanceId, , rest, , lines, , contacts] = fields as string[];
  return encodeGroup(
    { status: status as OutcomeStatus, errorCode: errorCode as string, instanceId: instanceId as string, finishedAt: Number(finishedAt), rest: rest as string },
    lines as string,
    contacts as string,
  );
}
