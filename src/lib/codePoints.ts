/**
 * A string's length as the service model counts it (Smithy's `length` of a string: Unicode code points), not as
 * JavaScript does (UTF-16 units): "😀" is one character there and two here, so a name of 600 emoji is within
 * UpdateContact's 1,024 and was refused as 1,200.
 */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Whether `s` has more than `max` code points; counted only when its UTF-16 length is over `max` (a string has no more code points than units). */
export function longerThan(s: string, max: number): boolean {
  return s.length > max && codePoints(s) > max;
}
