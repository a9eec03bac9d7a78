/** A value quoted for a message, cut at 40 characters. */
export function show(s: string): string {
  return s.length > 40 ? `"${s.slice(0, 40)}..."` : `"${s}"`;
}
