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
