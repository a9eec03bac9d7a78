/** A file's shape as a run keeps it: the CSV header, or nothing for JSONL (failures.csv is written under the header). */
export type SourceShape = { readonly format: "csv"; readonly header: readonly string[] } | { readonly format: "jsonl" };

export type CellCase = "lower" | "upper";

/** What is done to a cell's text before the usual rules (an empty result is not sent). */
export interface CellTransform {
  readonly trim?: boolean;
  readonly case?: CellCase;
}

/** One source column: a new name (a role or a field), `null` to drop it, or a name and a transform. */
export type ColumnSpec = string | null | (CellTransform & { readonly to?: string });

/**
 * How a file's columns are read, beyond the header's own names. Plain JSON (a job
 * file's `columns` and `constants`), so a run manifest can store it and workers
 * can give it to columnRoles again.
 */
export interface ColumnMapping {
  /** Source header (as written, trimmed) → what it becomes. Headers not named keep their own name. */
  readonly columns?: Readonly<Record<string, ColumnSpec>>;
  /** Fields added to every row that has no non-empty cell of that name. */
  readonly constants?: Readonly<Record<string, string>>;
}
