import { fromExactJson, toExactJson } from "../lib/exactJson.js";
import { type BeforeImage, STATUSES, type Outcome, type OutcomeStatus } from "./Outcome.js";

/**
 * Outcomes sit in Redis until written out, a million at a time: a positional
 * JSON array is about half the size of an object with named members.
 */
type Encoded = [number, string, string, number, string, number, string, number, number, number, unknown?, number?, Extras?];

/** Rarely present members, in one trailing object so common rows stay short. */
interface Extras {
  k?: readonly string[];
  o?: ReadonlyArray<readonly [string, number]>;
  b?: BeforeImage;
  m?: 1;
}

/** A member as JSON.stringify writes it inside an array (undefined and non-finite numbers as null). */
function member(v: unknown): string {
  if (typeof v === "number") return Number.isFinite(v) ? `${v}` : "null";
  return v === undefined ? "null" : (JSON.stringify(v) as string);
}

/**
 * The positional array's JSON, written member by member: the same bytes as JSON.stringify of the array (pinned
 * in a test), without building the array and walking it (every outcome of a run is encoded once).
 */
export function encodeOutcome(o: Outcome): string {
  const head = `[${member(o.line)},${member(o.contactId)},${member(o.instanceId)},${STATUSES.indexOf(o.status)},${member(o.errorCode)},${member(o.httpStatus ?? 0)},${member(o.message)},${member(o.attempts)},${member(o.throttles)},${member(o.finishedAt)}`;
  const extras: Extras | undefined =
    o.keys || o.omit || o.image || o.maybeApplied
      ? { ...(o.keys ? { k: o.keys } : {}), ...(o.omit ? { o: o.omit } : {}), ...(o.image ? { b: o.image } : {}), ...(o.maybeApplied ? { m: 1 as const } : {}) }
      : undefined;
  if (!o.original && !o.retryable && !extras) return `${head}]`;
  // A JSONL record's numbers as written (1.10, 1e400): JSON.stringify alone would give 1.1 and null back.
  const original = member(o.original ? toExactJson(o.original) : null);
  if (!o.retryable && !extras) return `${head},${original}]`;
  return extras ? `${head},${original},${o.retryable ? 1 : 0},${member(extras)}]` : `${head},${original},${o.retryable ? 1 : 0}]`;
}

export function decodeOutcome(text: string): Outcome {
  const a = JSON.parse(text) as Encoded;
  // Members set one by one, not spread from objects made for the purpose: a report decodes millions.
  const o: { -readonly [K in keyof Outcome]: Outcome[K] } = {
    line: a[0],
    contactId: a[1],
    instanceId: a[2],
    status: STATUSES[a[3]] as OutcomeStatus,
    errorCode: a[4],
    httpStatus: a[5] === 0 ? undefined : a[5],
    message: a[6],
    attempts: a[7],
    throttles: a[8],
    finishedAt: a[9],
    original: (a[10] ? fromExactJson(a[10]) : undefined) as Outcome["original"],
  };
  if (a[11] === 1) o.retryable = true;
  const extras = a[12];
  if (extras) {
    if (extras.k) o.keys = extras.k;
    if (extras.o) o.omit = extras.o;
    if (extras.b) o.image = extras.b;
    if (extras.m === 1) o.maybeApplied = true;
  }
  return o;
}
