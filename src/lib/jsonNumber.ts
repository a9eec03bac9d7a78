/**
 * A JSON number whose text JavaScript's number cannot give back (more digits than a
 * double holds, a trailing zero, an exponent): kept as written, so an account number
 * exported as a JSON number reaches the contact digit for digit (a field takes its text,
 * input/jsonValues.ts textOf; a member the API types as a number, its value, plainJson).
 * JSON.stringify makes it the number JSON.parse would have made; what must keep its text
 * through JSON (a queued row's record, an outcome's original) is written with lib/exactJson.ts.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}
