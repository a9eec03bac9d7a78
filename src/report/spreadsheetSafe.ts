/**
 * CSV injection (OWASP): a spreadsheet runs a cell that begins with = + - @ tab
 * or CR as a formula. A leading apostrophe makes it text; the input reader takes
 * it off again when one of our failures.csv files is fed back.
 */
const TRIGGERS = /^[=+\-@\t\r]/;

export function neutralise(cell: string): string {
  return TRIGGERS.test(cell) ? `'${cell}` : cell;
}

/** RFC 4180 quoting: a cell with a comma, quote, CR or LF is quoted, quotes doubled. */
export function csvCell(value: string): string {
  const safe = neutralise(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
