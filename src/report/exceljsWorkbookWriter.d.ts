// exceljs's streaming writer, loaded alone (failuresWorkbook.ts): the same class the package exposes as
// `stream.xlsx.WorkbookWriter`, which ships no declaration of its own at this path.
declare module "exceljs/lib/stream/xlsx/workbook-writer.js" {
  import type ExcelJS from "exceljs";
  const WorkbookWriter: typeof ExcelJS.stream.xlsx.WorkbookWriter;
  export default WorkbookWriter;
}
