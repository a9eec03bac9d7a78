/**
 * Our failures.csv prefixes a `'` to cells a spreadsheet would run as a formula
 * (report/spreadsheetSafe.ts). When such a file is fed back, the prefix is taken
 * off again so the contact gets the value it was meant to get. A value that began
 * with apostrophes before such a character was given one more, so one comes off.
 */
const NEUTRALISED = /^'+[=+\-@\t\r]/;

export function undoNeutralise(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}

/** What failures.csv writes for a value (report/spreadsheetSafe.ts neutralise): a cell of failures.xlsx read as if from the CSV. */
export function neutraliseLikeCsv(cell: string): string {
  return /^'*[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}
