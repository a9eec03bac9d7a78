// The part of unzipper (exceljs's own zip library, pinned to exceljs's version) that xlsxParts.ts uses: a zip
// opened by its central directory, each entry read on its own. The package ships no declarations.
declare module "unzipper" {
  import type { Readable } from "node:stream";
  interface ZipEntry {
    readonly path: string;
    readonly type: "File" | "Directory";
    stream(): Readable;
    buffer(): Promise<Buffer>;
  }
  interface OpenOptions {
    /** How many bytes from its end the zip's end record is looked for in (80 by default: no room for a comment). */
    readonly tailSize?: number;
  }
  interface ZipDirectory {
    readonly files: ZipEntry[];
  }
  const unzipper: {
    Open: {
      buffer(data: Buffer, options?: OpenOptions): Promise<ZipDirectory>;
      /** A zip read through `source`: each part from its offset, to the end or `length` bytes. */
      custom(source: { stream(offset: number, length?: number): Readable; size(): Promise<number> }, options?: OpenOptions): Promise<ZipDirectory>;
    };
  };
  export default unzipper;
  export type { ZipDirectory, ZipEntry };
}
