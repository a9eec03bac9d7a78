import { isRoleName, type ColumnMapping, type ColumnSpec } from "../input/columnRoles.js";
import type { JobFile } from "./JobFile.js";

export type { CellCase, CellTransform, ColumnMapping, ColumnSpec } from "../input/columnRoles.js";

/** A mapping's problem that the file's header is not needed to see: the key path as written in the job, and what is wrong. */
export interface MappingProblem {
  /** `columns["Email"].to`, `constants["instanceId"]`… */
  readonly key: string;
  /** Ends the sentence that starts with the key. */
  readonly problem: string;
}

const columnKey = (header: string) => `columns[${JSON.stringify(header)}]`;

function targetOf(header: string, spec: ColumnSpec): string | null {
  if (spec === null) return null;
  return (typeof spec === "string" ? spec : (spec.to ?? header)).trim();
}

/**
 * Checks a mapping as far as it can be without the file: names that are no
 * names, two columns giving one name, constants that would be the contact's own
 * columns. Whether each key is a column of the header is columnRoles' check.
 */
export function mappingProblem(mapping: ColumnMapping): MappingProblem | undefined {
  const byTarget = new Map<string, string>();
  for (const [header, spec] of Object.entries(mapping.columns ?? {})) {
    const to = targetOf(header, spec);
    if (to === null) continue;
    const where = typeof spec === "string" ? columnKey(header) : `${columnKey(header)}.to`;
    if (to === "") return { key: where, problem: "must be a name (null drops the column)" };
    if (to.startsWith("#")) return { key: where, problem: `must be a name that does not start with "#" (null drops the column), got ${JSON.stringify(to)}` };
    // Roles are matched without regard to case; contactId and initialContactId are one role.
    const slot = isRoleName(to) ? `role:${to.toLowerCase() === "initialcontactid" ? "contactid" : to.toLowerCase()}` : to;
    const other = byTarget.get(slot);
    if (other !== undefined)
      return { key: where, problem: `gives the name ${JSON.stringify(to)} that ${columnKey(other)} gives too; two columns cannot set one name` };
    byTarget.set(slot, header);
  }
  for (const name of Object.keys(mapping.constants ?? {})) {
    const where = `constants[${JSON.stringify(name)}]`;
    if (name.trim() === "" || name.startsWith("#")) return { key: where, problem: 'must be named by a field name (not empty, not starting with "#")' };
    if (isRoleName(name)) {
      return {
        key: where,
        problem: `cannot set the contact's own column ${JSON.stringify(name)}; constants add fields${name.toLowerCase() === "instanceid" ? ' (the "instanceId" key gives rows that name no instance one)' : ""}`,
      };
    }
  }
  return undefined;
}

/**
 * The job's `columns` and `constants` as the plain JSON columnRoles takes (and a
 * run manifest stores); constants become text, as a CSV cell would be.
 * Undefined when the job maps nothing.
 */
export function columnMappingOf(job: Pick<JobFile, "columns" | "constants">): ColumnMapping | undefined {
  if (job.columns === undefined && job.constants === undefined) return undefined;
  return {
    ...(job.columns === undefined ? {} : { columns: { ...job.columns } }),
    ...(job.constants === undefined ? {} : { constants: Object.fromEntries(Object.entries(job.constants).map(([k, v]) => [k, String(v)])) }),
  };
}
