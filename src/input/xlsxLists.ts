// What a workbook's XML parts list, read from their text: its tabs (xl/workbook.xml) and the relationships that
// say where each part is (the .rels parts).

/** A workbook's tab, as xl/workbook.xml lists it (in tab order). */
export interface WorkbookSheet {
  readonly name: string;
  /** Its relationship's id (the `id` attribute of the relationships namespace, whatever its prefix). */
  readonly rId: string;
  readonly state: string;
}

// A <sheet> element, whatever prefix the workbook's own namespace has (`<sheet`, `<x:sheet`), not <sheets>.
// Its attributes may hold a ">" (legal in a quoted value): quoted values are taken whole.
const SHEET = /<(?:[\w.-]+:)?sheet\s((?:[^>"']|"[^"]*"|'[^']*')*?)\/?>/g;
const ATTRIBUTE = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITY[e] ?? "");
}

/**
 * The tabs of xl/workbook.xml, read from its text: a spreadsheet library's parser knows the relationships'
 * namespace only as `r:`, and a file saved by another tool may name it otherwise (`rel:id`), which left the
 * workbook without a sheet to read.
 */
export function sheetsOf(workbookXml: string): WorkbookSheet[] {
  const sheets: WorkbookSheet[] = [];
  for (const attrs of elementsOf(workbookXml, SHEET)) {
    // `r:id` as a rule; another prefix's `id` when there is no `r:` (the first such: a tool may add its own after it).
    const rId = attrs.get("r:id") ?? [...attrs].find(([key]) => /^[\w.-]+:id$/.test(key))?.[1] ?? "";
    if (rId !== "") sheets.push({ name: attrs.get("name") ?? "", rId, state: attrs.get("state") ?? "visible" });
  }
  return sheets;
}

/** A relationship of a .rels part: what `id` names, of which type, at which target. */
export interface Relationship {
  readonly id: string;
  readonly type: string;
  readonly target: string;
}

const RELATIONSHIP = /<(?:[\w.-]+:)?Relationship\s((?:[^>"']|"[^"]*"|'[^']*')*?)\/?>/g;

export function relationshipsOf(relsXml: string): Relationship[] {
  const out: Relationship[] = [];
  for (const attrs of elementsOf(relsXml, RELATIONSHIP)) {
    // A part outside the package (TargetMode="External") is not one of its parts.
    if (attrs.get("TargetMode") === "External") continue;
    out.push({ id: attrs.get("Id") ?? "", type: attrs.get("Type") ?? "", target: attrs.get("Target") ?? "" });
  }
  return out;
}

const COMMENT = /<!--[\s\S]*?-->/g;

/** The attributes (name to unescaped value, the first of a name kept) of each element `pattern` finds; one commented out is none. */
function elementsOf(xml: string, pattern: RegExp): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = [];
  for (const tag of xml.replace(COMMENT, "").matchAll(pattern)) {
    const attrs = new Map<string, string>();
    for (const a of (tag[1] ?? "").matchAll(ATTRIBUTE)) if (!attrs.has(a[1] ?? "")) attrs.set(a[1] ?? "", unescapeXml(a[2] ?? a[3] ?? ""));
    out.push(attrs);
  }
  return out;
}
