import type { Readable } from "node:stream";
import ExcelJS from "exceljs";
import unzipper, { type ZipDirectory } from "unzipper";
import { isS3Url } from "../lib/s3Url.js";
import type { InputRef } from "./InputTransport.js";
import { STDIN, transportOf } from "./transportOf.js";

/**
 * exceljs's streaming reader, step by step. Its own loop (`WorkbookReader.parse`) walks the zip as one stream and
 * stops at the zip library's early "end": now and then (1 read in a few hundred, measured) it ended before it
 * had seen xl/workbook.xml, and a good workbook was refused ("Cannot read properties of undefined (reading
 * 'sheets')"). Here each part is read from the zip's directory, in the order the sheet needs them, whatever order
 * the file stores them in. These are exceljs 4.4.0's own steps (package.json pins that version).
 */
interface ReaderSteps {
  readonly model?: { readonly sheets?: readonly { readonly rId: string }[] };
  readonly workbookRels?: readonly { readonly Id: string; readonly Target: string }[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(chunks: AsyncIterable<unknown>, sheetNo: string): Iterable<{ readonly value: unknown }>;
}

export interface FirstSheet {
  readonly rows: AsyncIterator<ExcelJS.Row>;
  /** Stops reading (the sheet's part stream). */
  close(): void;
}

/** A local file is opened by its directory (each part read where it lies); S3 and other inputs are read whole first. */
async function openZip(input: InputRef): Promise<ZipDirectory> {
  const transport = transportOf(input);
  const stream = await transport.open(); // a missing or unreadable input is its own sentence
  if (transport.id !== STDIN && !isS3Url(transport.id)) {
    stream.destroy();
    return unzipper.Open.file(transport.id);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return unzipper.Open.buffer(Buffer.concat(chunks));
}

/** The workbook's first sheet as a person sees it (the first tab that is a worksheet), or undefined if it has none. */
export async function openFirstSheet(input: InputRef): Promise<FirstSheet | undefined> {
  const zip = await openZip(input);
  const part = (name: string) => zip.files.find((f) => f.type === "File" && f.path === name);
  const rels = part("xl/_rels/workbook.xml.rels");
  const book = part("xl/workbook.xml");
  if (!rels || !book) throw new Error("it has no xl/workbook.xml and its relationships");
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(undefined as never, {
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "cache",
    worksheets: "emit",
  }) as unknown as ReaderSteps;
  await reader._parseRels(rels.stream());
  await reader._parseWorkbook(book.stream());
  const strings = part("xl/sharedStrings.xml");
  if (strings) for await (const _ of reader._parseSharedStrings(strings.stream()));
  const styles = part("xl/styles.xml");
  if (styles) await reader._parseStyles(styles.stream());
  const targets = new Map((reader.workbookRels ?? []).map((r) => [r.Id, r.Target]));
  for (const sheet of reader.model?.sheets ?? []) {
    const target = targets.get(sheet.rId);
    if (target === undefined) continue;
    const name = target.startsWith("/") ? target.slice(1) : `xl/${target}`;
    const number = /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(name)?.[1];
    const entry = part(name);
    if (number === undefined || !entry) continue; // a chart sheet, say: not rows
    const stream = entry.stream();
    for (const emitted of reader._parseWorksheet(stream, number)) {
      return { rows: (emitted.value as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator](), close: () => stream.destroy() };
    }
  }
  return undefined;
}
