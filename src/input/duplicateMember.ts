/**
 * A member named twice in one object of a JSON text that JSON.parse accepted, or undefined. JSON.parse keeps the
 * last value without a word: `{"contactId":"a","contactId":"b"}` would send to b, `{"tier":"gold","tier":"silver"}`
 * would write silver. Either could be what was meant, so such a row is refused, as a CSV header naming a column
 * twice is; a `#` member (context of the user's own) is not judged. `keys`: how many members the parsed
 * value's objects hold in all (a text with no more `"…":` than that names none twice, and is not scanned).
 */
export function duplicateMember(text: string, keys: number): { readonly name: string; readonly within: string | undefined } | undefined {
  if (countKeyLike(text) <= keys) return undefined;
  // Scanned: a stack of the open objects (their members so far) and arrays (no members), each with the row's
  // member it is inside (`root`): a `#` member is the user's own context, never read, so never judged.
  const open: Array<{ names: Set<string> | undefined; name: string | undefined; root: string | undefined }> = [];
  let lastName: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = open[open.length - 1];
      let j = end + 1;
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      if (top?.names && text.charCodeAt(j) === 0x3a /* : */) {
        const raw = text.slice(i, end + 1);
        const name = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        const context = (open.length === 1 ? name : top.root)?.startsWith("#") === true;
        if (top.names.has(name) && !context) return { name, within: top.name };
        top.names.add(name);
        lastName = name;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = open[open.length - 1];
      // The object a member holds is named by that member (the row's own object by none).
      const root = open.length === 0 ? undefined : open.length === 1 ? lastName : parent?.root;
      open.push({ names: c === 0x7b ? new Set() : undefined, name: open.length === 0 ? undefined : lastName, root });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) open.pop();
  }
  return undefined;
}

/** Where the string starting at `start` (its opening quote) ends: its closing quote. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** `"` then optional white space then `:`: every member's name ends so (a string value may too, rarely). */
function countKeyLike(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) {
    let j = i + 1;
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === 0x3a) n++;
  }
  return n;
}
