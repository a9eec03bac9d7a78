import { InputFileError } from "./InputFileError.js";
import { undoNeutralise } from "./undoNeutralise.js";

/** Which CSV column plays which part; every other named column is a field of the operation (an attribute, a reference…). */
export interface ColumnRoles {
  readonly contactId: number;
  readonly instanceId: number | undefined;
  readonly initiationTimestamp: number | undefined;
  readonly fields: ReadonlyArray<readonly [index: number, name: string]>;
  /** The file is one of our own failures.csv files: undo the spreadsheet neutralisation. */
  readonly isFailuresFile: boolean;
}

const CONTACT = new Set(["contactid", "initialcontactid"]);
const INSTANCE = new Set(["instanceid"]);
const TIMESTAMP = new Set(["initiationtimestamp"]);

export function columnRoles(header: readonly string[], path: string): ColumnRoles {
  const trimmed = header.map((h) => h.trim());
  const isFailuresFile = trimmed.includes("#status") && trimmed.includes("#line");
  const seen = new Map<string, number>();
  let contactId: number | undefined;
  let instanceId: number | undefined;
  let initiationTimestamp: number | undefined;
  const fields: Array<readonly [number, string]> = [];
  header.forEach((raw, i) => {
    // Our failures.csv neutralises header cells too: a "-flag" column comes back as "'-flag".
    const name = (isFailuresFile ? undoNeutralise(raw) : raw).trim();
    if (name === "") throw new InputFileError(`${path}: column ${i + 1} of the header has no name.`);
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new InputFileError(`${path}: the header names column "${name}" twice (columns ${prev + 1} and ${i + 1}).`);
    }
    seen.set(name, i);
    if (name.startsWith("#")) return;
    const key = name.toLowerCase();
    if (CONTACT.has(key)) {
      if (contactId !== undefined) {
        throw new InputFileError(`${path}: the header has two contact-id columns ("${header[contactId]}" and "${name}"); keep one.`);
      }
      contactId = i;
    } else if (INSTANCE.has(key)) {
      // A second one would silently win: rows could go to the wrong instance.
      if (instanceId !== undefined) {
        throw new InputFileError(`${path}: the header has two instance-id columns ("${header[instanceId]}" and "${name}"); keep one.`);
      }
      instanceId = i;
    } else if (TIMESTAMP.has(key)) {
      if (initiationTimestamp !== undefined) {
        throw new InputFileError(`${path}: the header has two initiationTimestamp columns ("${header[initiationTimestamp]}" and "${name}"); keep one.`);
      }
      initiationTimestamp = i;
    } else fields.push([i, name] as const);
  });
  if (contactId === undefined) {
    throw new InputFileError(`${path}: no contactId (or initialContactId) column in the header "${header.join(",").slice(0, 200)}".`);
  }
  return {
    contactId,
    instanceId,
    initiationTimestamp,
    fields,
    isFailuresFile,
  };
}
