import { closest } from "../lib/closest.js";
import { InputFileError } from "./InputFileError.js";
import { undoNeutralise } from "./undoNeutralise.js";
import { isRoleName } from "../domain/rowMembers.js";

import type { CellTransform, ColumnMapping, ColumnSpec } from "../domain/run/shape.js";

export type { CellCase, CellTransform, ColumnMapping, ColumnSpec } from "../domain/run/shape.js";

/** Which CSV column plays which part; every other named column is a field of the operation (an attribute, a reference…). */
export interface ColumnRoles {
  readonly contactId: number;
  readonly instanceId: number | undefined;
  readonly initiationTimestamp: number | undefined;
  readonly fields: ReadonlyArray<readonly [index: number, name: string]>;
  /** The file is one of our own failures.csv files: undo the spreadsheet neutralisation. */
  readonly isFailuresFile: boolean;
  /** Column index → what is done to its cells (from a mapping); absent or empty: cells as read. */
  readonly transforms?: ReadonlyMap<number, CellTransform>;
  /** Fields every row gets unless it has a non-empty cell of the same name (from a mapping). */
  readonly constants?: ReadonlyArray<readonly [name: string, value: string]>;
}

const CONTACT = new Set(["contactid", "initialcontactid"]);
const INSTANCE = new Set(["instanceid"]);
const TIMESTAMP = new Set(["initiationtimestamp"]);

export { isRoleName };

/** A cell's text after a mapping's transform: trimmed first, then its case changed. */
export function transformCell(value: string, t: CellTransform): string {
  let v = t.trim ? value.trim() : value;
  if (t.case === "lower") v = v.toLowerCase();
  else if (t.case === "upper") v = v.toUpperCase();
  return v;
}

const quoted = (names: readonly string[]) =>
  names
    .map((n) => `"${n}"`)
    .join(", ")
    .slice(0, 200);

function mappedName(spec: ColumnSpec, header: string, path: string): { name: string | null; transform: CellTransform | undefined } {
  if (spec === null) return { name: null, transform: undefined };
  const to = typeof spec === "string" ? spec : (spec.to ?? header);
  if (to.trim() === "" || to.trim().startsWith("#")) {
    throw new InputFileError(`${path}: the column mapping gives column "${header}" the name "${to}"; give it a name, or null to drop the column.`);
  }
  if (typeof spec === "string" || (!spec.trim && spec.case === undefined)) return { name: to.trim(), transform: undefined };
  return { name: to.trim(), transform: { ...(spec.trim ? { trim: true } : {}), ...(spec.case ? { case: spec.case } : {}) } };
}

/**
 * Column roles from a CSV header, and from a mapping when the file's names are
 * not ours (a CRM export's "Contact ID"). A mapping key that names no column is
 * an error: a renamed export must not silently drop a column.
 */
export function columnRoles(header: readonly string[], path: string, mapping?: ColumnMapping): ColumnRoles {
  const trimmed = header.map((h) => h.trim());
  const isFailuresFile = trimmed.includes("#status") && trimmed.includes("#line");
  const columns = mapping?.columns ?? {};
  const seen = new Map<string, number>();
  /** Field name → the header it came from, to name both when two columns give one field. */
  const fieldFrom = new Map<string, string>();
  const transforms = new Map<number, CellTransform>();
  let contactId: number | undefined;
  let instanceId: number | undefined;
  let initiationTimestamp: number | undefined;
  const fields: Array<readonly [number, string]> = [];
  header.forEach((raw, i) => {
    // Our failures.csv neutralises header cells too: a "-flag" column comes back as "'-flag".
    const headerName = (isFailuresFile ? undoNeutralise(raw) : raw).trim();
    if (headerName === "") throw new InputFileError(`${path}: column ${i + 1} of the header has no name.`);
    const prev = seen.get(headerName);
    if (prev !== undefined) {
      throw new InputFileError(`${path}: the header names column "${headerName}" twice (columns ${prev + 1} and ${i + 1}).`);
    }
    seen.set(headerName, i);
    let name = headerName;
    if (Object.hasOwn(columns, headerName)) {
      const m = mappedName(columns[headerName] as ColumnSpec, headerName, path);
      if (m.name === null) return;
      name = m.name;
      if (m.transform) transforms.set(i, m.transform);
    } else if (name.startsWith("#")) return;
    const key = name.toLowerCase();
    if (CONTACT.has(key)) {
      if (contactId !== undefined) {
        throw new InputFileError(`${path}: the header has two contact-id columns ("${header[contactId]}" and "${headerName}"); keep one.`);
      }
      contactId = i;
    } else if (INSTANCE.has(key)) {
      // A second one would silently win: rows could go to the wrong instance.
      if (instanceId !== undefined) {
        throw new InputFileError(`${path}: the header has two instance-id columns ("${header[instanceId]}" and "${headerName}"); keep one.`);
      }
      instanceId = i;
    } else if (TIMESTAMP.has(key)) {
      if (initiationTimestamp !== undefined) {
        throw new InputFileError(`${path}: the header has two initiationTimestamp columns ("${header[initiationTimestamp]}" and "${headerName}"); keep one.`);
      }
      initiationTimestamp = i;
    } else {
      // Only a mapping can make two distinct headers one field; a repeated header was refused above.
      const other = fieldFrom.get(name);
      if (other !== undefined) {
        throw new InputFileError(`${path}: columns "${other}" and "${headerName}" would both set "${name}"; map one of them to another name or to null.`);
      }
      fieldFrom.set(name, headerName);
      fields.push([i, name] as const);
    }
  });
  const missing = Object.keys(columns).filter((k) => !seen.has(k));
  if (missing.length > 0) {
    const near = missing.length === 1 ? [...seen.keys()].find((h) => h.toLowerCase() === (missing[0] as string).trim().toLowerCase()) : undefined;
    throw new InputFileError(
      // The header's cells are not said (a file without its header line has customer data there): a near miss is.
      `${path}: the column mapping names ${quoted(missing)}, which the header (its first line, of ${trimmed.length} column${trimmed.length === 1 ? "" : "s"}) does not have${near === undefined ? "" : ` (did you mean "${near}"?)`}; map only columns the file has.`,
    );
  }
  if (contactId === undefined) {
    throw new InputFileError(`${path}: ${noContactColumn(trimmed)}`);
  }
  const constants: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(mapping?.constants ?? {})) {
    if (name.trim() === "" || name.startsWith("#") || isRoleName(name)) {
      throw new InputFileError(
        `${path}: the constant "${name}" cannot be a field name; constants add fields (attributes, references…), not the contact's own columns.`,
      );
    }
    constants.push([name, value] as const);
  }
  return {
    contactId,
    instanceId,
    initiationTimestamp,
    fields,
    isFailuresFile,
    ...(transforms.size > 0 ? { transforms } : {}),
    ...(constants.length > 0 ? { constants } : {}),
  };
}

/**
 * Why a header names no contact: a near miss is named (a column name), the header's cells are not. A file
 * exported without its header line has a row of customer data there, and this sentence goes to logs.
 */
function noContactColumn(header: readonly string[]): string {
  for (const cell of header) {
    const meant = cell.length <= 40 ? closest(cell, ["contactId", "initialContactId"]) : undefined;
    // Named exactly (case aside), it is no near miss: the mapping dropped it, and the general sentence says why.
    if (meant && meant.toLowerCase() !== cell.trim().toLowerCase())
      return `no contactId (or initialContactId) column in the header: its column "${cell}" looks meant as "${meant}"; name it so.`;
  }
  return `no contactId (or initialContactId) column in the header (its first line, of ${header.length} column${header.length === 1 ? "" : "s"}); if the file has no header line, add one naming its columns (contactId, then the attributes).`;
}
