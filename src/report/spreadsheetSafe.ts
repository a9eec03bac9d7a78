/**
 * CSV injection (OWASP): a spreadsheet runs a cell that begins with = + - @ tab
 * or CR as a formula. A leading apostrophe makes it text; the input reader takes
 * it off again when one of our failures.csv files is fed back. A value that already
 * starts with apostrophes before such a character gets one more, so taking one off
 * gives the value back (input/undoNeutralise.ts).
 */
const TRIGGERS = /^'*[=+\-@\t\r]/;

export function neutralise(cell: string): string {
  return TRIGGERS.test(cell) ? `'${cell}` : cell;
}

/** The inverse of neutralise (the input reader has its own copy, input/undoNeutralise.ts). */
export function restore(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** RFC 4180 quoting: a cell with a comma, quote, CR or LF is quoted, quotes doubled. */
export function csvCell(value: string): string {
  const safe = neutralise(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
