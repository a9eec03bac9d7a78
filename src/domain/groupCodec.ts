import type { Outcome, OutcomeStatus } from "./Outcome.js";
import { decodeOutcome } from "./outcomeCodec.js";

/**
 * A group of alike outcomes (store/outcomeGroups.ts: rows settled without a call that differ only in line and
 * contact) as the spool keeps it: one text, not one a row. Writing and reading a JSON text per row was most of
 * what an unchanged night's report cost (100k rows: ~0.2 s). The text is three parts apart by tabs (JSON never
 * holds a raw tab): what the rows share, as a JSON object; their line numbers, as a JSON array; their contact
 * ids, as a JSON array. A single outcome's text (outcomeCodec.ts) is an array: a group's starts with "{".
 */
export interface GroupShared {
  readonly status: OutcomeStatus;
  readonly errorCode: string;
  readonly instanceId: string;
  readonly finishedAt: number;
  /** Each row's message after `line <line>: `; null: the rows have no message (a dry run's `would_update`). */
  readonly rest: string | null;
}

/** Members of the shared part; short, as an outcome's own text is positional. */
interface SharedJson {
  s: OutcomeStatus;
  e: string;
  i: string;
  t: number;
  r: string | null;
}

export function isGroupText(text: string): boolean {
  return text.charCodeAt(0) === 0x7b; // "{"
}

/** `lines`: the rows' line numbers, comma-separated; `contactIds`: one per line of text (a group's never hold "\n"). */
export function encodeGroup(shared: GroupShared, lines: string, contactIds: string): { text: string; rows: number } {
  const json: SharedJson = { s: shared.status, e: shared.errorCode, i: shared.instanceId, t: shared.finishedAt, r: shared.rest };
  const contacts = contactIds.split("\n");
  return { text: `${JSON.stringify(json)}\t[${lines}]\t${JSON.stringify(contacts)}`, rows: contacts.length };
}

/** The shared part of a group's text (the text up to its first tab will do). */
export function sharedOf(text: string): GroupShared {
  const tab = text.indexOf("\t");
  const j = JSON.parse(tab === -1 ? text : text.slice(0, tab)) as SharedJson;
  return { status: j.s, errorCode: j.e, instanceId: j.i, finishedAt: j.t, rest: j.r };
}

/** One row of a group: the outcome decodeOutcome gives for the text encodeOutcome writes of it (pinned in a test). */
export function memberOf(shared: GroupShared, line: number, contactId: string): Outcome {
  return {
    line,
    contactId,
    instanceId: shared.instanceId,
    status: shared.status,
    errorCode: shared.errorCode,
    httpStatus: undefined,
    message: shared.rest === null ? "" : `line ${line}: ${shared.rest}`,
    attempts: 0,
    throttles: 0,
    finishedAt: shared.finishedAt,
    original: undefined,
  };
}

export function decodeGroup(text: string): Outcome[] {
  const t1 = text.indexOf("\t");
  const t2 = text.indexOf("\t", t1 + 1);
  const shared = sharedOf(text.slice(0, t1));
  const lines = JSON.parse(text.slice(t1 + 1, t2)) as number[];
  const contacts = JSON.parse(text.slice(t2 + 1)) as string[];
  if (lines.length !== contacts.length) throw new Error(`an outcome group holds ${lines.length} lines but ${contacts.length} contact ids`);
  const out: Outcome[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) out[i] = memberOf(shared, lines[i] as number, contacts[i] as string);
  return out;
}

/** The outcomes a spool's or a drain's text holds: one, or a group's. */
export function* outcomesIn(text: string): Generator<Outcome> {
  if (isGroupText(text)) yield* decodeGroup(text);
  else yield decodeOutcome(text);
}

/** outcomesIn, as an array. */
export function decodeEntry(text: string): Outcome[] {
  return [...outcomesIn(text)];
}
