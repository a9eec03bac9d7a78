import { TextDecoder } from "node:util";
import { duplicateMember } from "./duplicateMember.js";
import { withExactNumbers } from "./exactNumbers.js";
import { pick } from "./jsonValues.js";
import { CONTACT_ID_MEMBERS, INSTANCE_MEMBERS } from "../domain/rowMembers.js";
import { MAX_RECORD_BYTES, type SourceRecord } from "./SourceRecord.js";
import type { InputRef } from "./InputTransport.js";
import { openInput } from "./openInput.js";

const NEWLINE = 0x0a;

/** Levels of nesting a row may have: a row is 3 deep (row → attributes → value); room to spare. */
const MAX_DEPTH = 16;

/**
 * Depth of a parsed JSON value, counted without recursion and stopping past `limit`; whether it holds a number;
 * and how many members its objects hold in all.
 */
function nestingDepth(value: unknown, limit: number): { depth: number; numbers: boolean; keys: number } {
  let max = 0;
  let numbers = false;
  let keys = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v === "number") numbers = true;
    if (v === null || typeof v !== "object") continue;
    if (d > max) max = d;
    if (max > limit) return { depth: max, numbers, keys };
    const children = Object.values(v as object);
    if (!Array.isArray(v)) keys += children.length;
    for (const child of children) stack.push([child, d + 1]);
  }
  return { depth: max, numbers, keys };
}

/** A \u escape of a surrogate (D800–DFFF): the only way a decoded line can hold half a pair. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

function decodeLine(bytes: Buffer, line: number, decoder: TextDecoder): SourceRecord | undefined {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { kind: "malformed", line, code: "InvalidUtf8", reason: "is not valid UTF-8", raw: bytes.toString("utf8").slice(0, 2000) };
  }
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (text.trim() === "") return undefined; // blank line: not a row
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (text.includes("\u0000")) {
      return {
        kind: "malformed",
        line,
        code: "NulCharacter",
        reason: "holds a NUL character (a zero byte), which no text export writes: the line is damaged",
        raw: text.slice(0, 2000),
      };
    }
    return { kind: "malformed", line, code: "MalformedJson", reason: `is not valid JSON (${(err as Error).message})`, raw: text.slice(0, 2000) };
  }
  const { depth, numbers, keys } = nestingDepth(value, MAX_DEPTH);
  if (depth > MAX_DEPTH) {
    // Caught here: deeper values overflow the stack later (JSON.stringify when queued) and stop the whole file.
    return { kind: "malformed", line, code: "TooDeep", reason: `is nested more than ${MAX_DEPTH} levels deep; a row needs 3`, raw: text.slice(0, 2000) };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const what = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { kind: "malformed", line, code: "NotAnObject", reason: `is ${what}, not a JSON object`, raw: text.slice(0, 2000) };
  }
  const twice = duplicateMember(text, keys);
  if (twice) {
    const where = twice.within === undefined ? "" : ` in "${twice.within}"`;
    const reason = `names "${twice.name}" twice${where}; JSON keeps only the last, and which was meant cannot be told`;
    return { kind: "malformed", line, code: "DuplicateMember", reason, raw: text.slice(0, 2000), ...idsOf(value as Record<string, unknown>, twice.name) };
  }
  // A NUL, as a raw byte or written \u0000, is refused as it is in a CSV line (NulCharacter), outside # members.
  if ((text.includes("\u0000") || text.includes("\\u0000")) && holdsNul(value as Record<string, unknown>)) {
    const reason = "holds a NUL character (a zero byte, or \\u0000), which no text export writes: the line is damaged";
    return { kind: "malformed", line, code: "NulCharacter", reason, raw: text.slice(0, 2000), ...idsOf(value as Record<string, unknown>, "") };
  }
  // Half of a surrogate pair, written \ud800: no character, not UTF-8, not a string the service takes (as a CSV line's
  // invalid UTF-8 is refused). Only an escape can write one: the bytes were valid UTF-8.
  if (SURROGATE_ESCAPE.test(text) && anyText(value as Record<string, unknown>, (s) => !s.isWellFormed())) {
    const reason = "holds a \\u escape of half a character (a lone surrogate, such as \\ud800), which is no text: the line is damaged";
    return { kind: "malformed", line, code: "InvalidUtf8", reason, raw: text.slice(0, 2000), ...idsOf(value as Record<string, unknown>, "") };
  }
  // JSON.parse checked the text (and the depth is bounded): read it again only when a number's text may matter.
  if (numbers) value = withExactNumbers(text);
  return { kind: "object", line, value: value as Record<string, unknown> };
}

/**
 * Streams a JSONL file line by line (a blank line is no record: `onBlank` counts it for the summary). Lines are
 * split on bytes and decoded with a fatal decoder, so invalid UTF-8 is caught exactly, and a line longer than any
 * valid row is dropped as it streams instead of being held in memory.
 */
export async function* readJsonl(input: InputRef, onOffset?: (bytes: number) => void, onBlank?: () => void): AsyncGenerator<SourceRecord> {
  const stream = await openInput(input);
  // The file's bytes up to the end of the line being handed on (the producer's progress).
  let consumed = 0;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 1;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        const piece = chunk.subarray(start, nl);
        consumed += size + piece.length + 1;
        onOffset?.(consumed);
        start = nl + 1;
        if (tooLong || size + piece.length > MAX_RECORD_BYTES) {
          yield tooLongRecord(line, parts);
        } else {
          const bytes = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
          const rec = decodeLine(bytes, line, decoder);
          if (rec) yield rec;
          else onBlank?.();
        }
        parts = [];
        size = 0;
        tooLong = false;
        line++;
      }
      const rest = chunk.subarray(start);
      if (!tooLong) {
        if (size + rest.length > MAX_RECORD_BYTES) {
          tooLong = true;
          parts = [Buffer.from(Buffer.concat([...parts, rest]).subarray(0, 200))];
        } else if (rest.length > 0) {
          parts.push(rest);
          size += rest.length;
        }
      }
    }
    onOffset?.(consumed + size);
    if (tooLong) yield tooLongRecord(line, parts);
    else if (size > 0) {
      const rec = decodeLine(Buffer.concat(parts), line, decoder);
      if (rec) yield rec;
      else onBlank?.();
    }
  } finally {
    stream.destroy();
  }
}

function tooLongRecord(line: number, parts: Buffer[]): SourceRecord {
  return {
    kind: "malformed",
    line,
    code: "RecordTooLarge",
    reason: `is longer than ${MAX_RECORD_BYTES} bytes, which no valid row can be`,
    raw: Buffer.concat(parts).toString("utf8").slice(0, 200),
  };
}

/** The ids a row with a member named twice names, for its outcome: none when an id is the member named twice (which one is meant cannot be told). */
function idsOf(v: Record<string, unknown>, twice: string): { ids?: { contactId: string; instanceId: string | undefined } } {
  if ((CONTACT_ID_MEMBERS as readonly string[]).includes(twice) || (INSTANCE_MEMBERS as readonly string[]).includes(twice)) return {};
  const c = pick(v, CONTACT_ID_MEMBERS);
  const i = pick(v, INSTANCE_MEMBERS);
  return typeof c === "string" ? { ids: { contactId: c, instanceId: typeof i === "string" ? i : undefined } } : {};
}

/** Whether a name or a text of the row, outside its `#` members, holds U+0000. Bounded: the depth was checked. */
function holdsNul(row: Record<string, unknown>): boolean {
  return anyText(row, (s) => s.includes("\u0000"));
}

/** Whether a text of the row (a member's name or a value, outside # members) passes `test`. */
function anyText(row: Record<string, unknown>, test: (s: string) => boolean): boolean {
  const stack: unknown[] = Object.entries(row).filter(([k]) => !k.trimStart().startsWith("#"));
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (test(v)) return true;
    } else if (v !== null && typeof v === "object") for (const e of Array.isArray(v) ? v : Object.entries(v)) stack.push(e);
  }
  return false;
}
