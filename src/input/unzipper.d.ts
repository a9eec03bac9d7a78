// The part of unzipper (exceljs's own zip library, pinned to exceljs's version) that xlsxParts.ts uses: a zip
// opened by its central directory, each entry read on its own. The package ships no declarations.
declare module "unzipper" {
  import type { Readable } from "node:stream";
  interface ZipEntry {
    readonly path: string;
    readonly type: "File" | "Directory";
    stream(): Readable;
  }
  interface ZipDirectory {
    readonly files: ZipEntry[];
  }
  const unzipper: {
    Open: {
      file(path: string): Promise<ZipDirectory>;
      buffer(data: Buffer): Promise<ZipDirectory>;
    };
  };
  export default unzipper;
  export type { ZipDirectory, ZipEntry };
}
