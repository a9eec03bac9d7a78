import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import unzipper, { type ZipDirectory } from "unzipper";
import { isS3Url } from "../lib/s3Url.js";
import { InputFileError } from "./InputFileError.js";
import type { InputRef } from "./InputTransport.js";
import { transportOf } from "./transportOf.js";
import { JoinRuns } from "./xlsxRuns.js";
import { SheetEnd } from "./xlsxSheetEnd.js";
import { UnprefixMain } from "./xlsxUnprefix.js";
import { type Relationship, relationshipsOf, sheetsOf, type WorkbookSheet } from "./xlsxLists.js";

/**
 * exceljs's streaming reader, step by step. Its own loop (`WorkbookReader.parse`) walks the zip as one stream and
 * stops at the zip library's early "end": for some contents (the same 2 workbooks of 500, every time) it ended
 * before it had seen xl/workbook.xml, and a good workbook was refused ("Cannot read properties of undefined
 * (reading 'sheets')"). Here each part is read from the zip's directory, in the order the sheet needs them,
 * whatever order the file stores them in. These are exceljs 4.4.0's own steps (package.json pins that version).
 */
interface ReaderSteps {
  model?: { readonly sheets?: readonly unknown[] };
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(chunks: AsyncIterable<unknown>, sheetNo: string): Iterable<{ readonly value: unknown }>;
}

export interface FirstSheet {
  readonly rows: AsyncIterator<ExcelJS.Row>;
  /** Stops reading: the sheet's part and the file under it. */
  close(): void;
}

/** The zip's end record is found within its last 65,557 bytes (a comment may be up to 65,535 long; 80 by default). */
const ZIP_TAIL = 65_557;

/** What a file that is no zip is, by its first bytes: one sentence for the person who gave it. */
function notAZip(path: string, head: Buffer): InputFileError | undefined {
  if (head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b) return undefined; // "PK": a zip
  // An OLE compound file: what Excel writes for a workbook with a password, and the old .xls format.
  if (head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0) {
    return new InputFileError(`${path}: is a password-protected workbook or an old .xls file, which cannot be read; save it as .xlsx without a password.`);
  }
  return new InputFileError(`${path}: is not an .xlsx workbook (not a zip file); save it from the spreadsheet as .xlsx, or name it .csv if it is CSV text.`);
}

/** A zip read where its parts lie; `close` ends every read of the file still open (a read stopped early). */
interface OpenZip {
  readonly zip: ZipDirectory;
  close(): void;
}

/** A local file is opened by its directory (each part read where it lies); S3 objects are read whole first. */
async function openZip(input: InputRef, path: string): Promise<OpenZip> {
  const transport = transportOf(input);
  const stream = await transport.open(); // a missing or unreadable input is its own sentence
  if (isS3Url(transport.id)) {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    const wrong = notAZip(path, data.subarray(0, 4));
    if (wrong) throw wrong;
    return { zip: await unzipper.Open.buffer(data, { tailSize: ZIP_TAIL }), close: () => undefined };
  }
  stream.destroy();
  const file = transport.id;
  const handle = await open(file);
  const head = Buffer.alloc(4);
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  const wrong = notAZip(path, head);
  if (wrong) throw wrong;
  const reads = new Set<Readable>();
  const source = {
    stream(offset: number, length?: number): Readable {
      // As unzipper's own Open.file reads a part; kept so that a read stopped early can end it (unzipper ends one
      // only when its part has been read to the end).
      const read = createReadStream(file, { start: offset, ...(length ? { end: offset + length } : {}) });
      reads.add(read);
      read.once("close", () => reads.delete(read));
      return read;
    },
    size: async () => (await stat(file)).size,
  };
  const close = () => {
    for (const read of reads) read.destroy();
  };
  try {
    return { zip: await unzipper.Open.custom(source, { tailSize: ZIP_TAIL }), close };
  } catch (err) {
    close(); // a damaged directory: the reads it began end here
    throw err;
  }
}

/** A part's name in the zip: a target relative to the part whose relationship it is (`from`'s folder), or from the root. */
function partName(given: string, from: string): string {
  const target = given.replaceAll("\\", "/");
  return target.startsWith("/") ? target.slice(1) : posix.normalize(posix.join(posix.dirname(from), target));
}

/** The .rels part of `part`: its folder's _rels/<its name>.rels. */
function relsOf(part: string): string {
  return posix.join(posix.dirname(part), "_rels", `${posix.basename(part)}.rels`);
}

const isType = (rel: Relationship | undefined, type: string): boolean => rel?.type.endsWith(`/${type}`) === true;

/**
 * The sheet to read: the first tab a person sees (not hidden) that is a worksheet; if every worksheet tab is
 * hidden, the first of them.
 */
function pickSheet(sheets: readonly WorkbookSheet[], rels: ReadonlyMap<string, Relationship>): WorkbookSheet | undefined {
  const worksheets = sheets.filter((s) => isType(rels.get(s.rId), "worksheet"));
  return worksheets.find((s) => s.state === "visible") ?? worksheets[0];
}

/** The workbook's first sheet as a person sees it, or undefined if it has none. */
export async function openFirstSheet(input: InputRef, path: string): Promise<FirstSheet | undefined> {
  const { zip, close } = await openZip(input, path);
  try {
    // Part names are case-insensitive (Open Packaging Conventions): the exact name first, then any case.
    const part = (name: string) =>
      zip.files.find((f) => f.type === "File" && f.path === name) ?? zip.files.find((f) => f.type === "File" && f.path.toLowerCase() === name.toLowerCase());
    const text = async (name: string) => {
      const found = part(name);
      return found ? (await found.buffer()).toString("utf8") : undefined;
    };
    // The workbook part is where the package's relationships say (xl/workbook.xml as a rule), its parts where its own do.
    const office = relationshipsOf((await text("_rels/.rels")) ?? "").find((r) => isType(r, "officeDocument"));
    const bookName = office ? partName(office.target, "") : "xl/workbook.xml";
    const bookXml = await text(bookName);
    const relsXml = await text(relsOf(bookName));
    if (bookXml === undefined || relsXml === undefined) throw new Error(`it has no ${bookName} and its relationships`);
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(undefined as never, {
      sharedStrings: "cache",
      hyperlinks: "ignore",
      styles: "cache",
      worksheets: "emit",
    }) as unknown as ReaderSteps;
    await reader._parseWorkbook(Readable.from([Buffer.from(bookXml, "utf8")]).pipe(new UnprefixMain()));
    // Tabs and relationships read here, not by exceljs: it knows only the `r:` prefix and the usual part names,
    // and a workbook saved by another tool may use others.
    reader.model ??= { sheets: [] };
    const relations = relationshipsOf(relsXml);
    const rels = new Map<string, Relationship>();
    for (const r of relations) if (!rels.has(r.id)) rels.set(r.id, r); // an id given twice: its first
    const sheet = pickSheet(sheetsOf(bookXml), rels);
    if (!sheet) {
      close();
      return undefined;
    }
    const name = partName(rels.get(sheet.rId)?.target ?? "", bookName);
    const entry = part(name);
    if (!entry) throw new Error(`its sheet "${sheet.name}" is not in the file (${name})`);
    const partOf = (type: string) => {
      const rel = relations.find((r) => isType(r, type));
      return rel ? part(partName(rel.target, bookName)) : undefined;
    };
    const strings = partOf("sharedStrings");
    if (strings) for await (const _ of reader._parseSharedStrings(strings.stream().pipe(new UnprefixMain()).pipe(new JoinRuns("si"))));
    const styles = partOf("styles");
    if (styles) await reader._parseStyles(styles.stream().pipe(new UnprefixMain()));
    const raw = entry.stream();
    const joined = raw.pipe(new UnprefixMain()).pipe(new JoinRuns("is"));
    const stream = joined.pipe(new SheetEnd());
    raw.once("error", (err) => stream.destroy(err));
    joined.once("error", (err) => stream.destroy(err));
    // The number only names the sheet inside exceljs (its id); the part itself is the one found above.
    for (const emitted of reader._parseWorksheet(stream, /(\d+)\.xml$/.exec(name)?.[1] ?? "1")) {
      return {
        rows: (emitted.value as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator](),
        close: () => {
          raw.destroy();
          joined.destroy();
          stream.destroy();
          close();
        },
      };
    }
    close();
    return undefined;
  } catch (err) {
    close();
    throw err;
  }
}
