/**
 * A JSON number whose text JavaScript's number cannot give back (more digits than a
 * double holds, a trailing zero, an exponent): kept as written, so an account number
 * exported as a JSON number reaches the contact digit for digit. Serialised with
 * JSON.stringify (handed to the SDK) it is the number JSON.parse would have made; what
 * must keep its text through JSON (a queued row's record, an outcome's original) is
 * written with lib/exactJson.ts.
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
