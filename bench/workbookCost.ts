// What failures.xlsx costs (issue 27): report files for a run of 100k failed rows written with and without
// the workbook (in process, as the report writer does it), interleaved, medians of 3; then the time to read
// each back as a fed-back input (every record, as the producer would).
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Outcome } from "../src/domain/Outcome.js";
import { openSource } from "../src/input/openSource.js";
import { writeReportFiles, type RunInfo } from "../src/report/writeReportFiles.js";
import { median, table, writeSection } from "./lib.js";

const ROWS = 100_000;
const HEADER = ["contactId", "account", "phone", "caseOwner", "note"];

function outcomes(): Outcome[] {
  const out: Outcome[] = [];
  for (let i = 0; i < ROWS; i++) {
    const fields = [
      `${String(i).padStart(8, "0")}-aaaa-4bbb-8ccc-123456789abc`,
      String(i).padStart(10, "0"),
      `4412345${String(i).padStart(5, "0")}`,
      `agent-${i % 500}`,
      "=1+1",
    ];
    out.push({
      line: i + 2,
      contactId: fields[0] as string,
      instanceId: "inst",
      status: "failed",
      errorCode: "InvalidParameterException",
      httpStatus: 400,
      message: "the attribute value is too long",
      attempts: 1,
      throttles: 0,
      finishedAt: Date.now(),
      original: { fields },
    } as Outcome);
  }
  return out;
}

const info: RunInfo = {
  runId: "bench",
  parentRunId: undefined,
  input: "in.csv",
  format: "csv",
  header: HEADER,
  createdAt: Date.now(),
  startedAt: undefined,
  rows: ROWS,
  requests: ROWS,
  throttled: 0,
  complete: true,
};

async function readAll(path: string): Promise<number> {
  const t0 = performance.now();
  const src = await openSource(path, "csv");
  let n = 0;
  for await (const _ of src.records) n++;
  if (n !== ROWS) throw new Error(`read ${n} rows of ${path}, not ${ROWS}`);
  return (performance.now() - t0) / 1000;
}

export async function benchWorkbookCost(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cb-bench-workbook-"));
  const rows = outcomes();
  try {
    const csvOnly: number[] = [];
    const withBook: number[] = [];
    let k = 0;
    for (let i = 0; i < 3; i++) {
      for (const workbook of [false, true]) {
        const t0 = performance.now();
        await writeReportFiles(join(dir, `r${k++}`), info, rows, { workbook });
        (workbook ? withBook : csvOnly).push((performance.now() - t0) / 1000);
      }
    }
    const last = join(dir, `r${k - 1}`);
    const csvSize = (await stat(join(last, "failures.csv"))).size;
    const xlsxSize = (await stat(join(last, "failures.xlsx"))).size;
    const readCsvS = median([await readAll(join(last, "failures.csv")), await readAll(join(last, "failures.csv")), await readAll(join(last, "failures.csv"))]);
    const readXlsxS = median([await readAll(join(last, "failures.xlsx")), await readAll(join(last, "failures.xlsx")), await readAll(join(last, "failures.xlsx"))]);
    const a = median(csvOnly);
    const b = median(withBook);
    const mb = (n: number) => (n / 1048576).toFixed(1);
    await writeSection(
      "workbook",
      `## What the failures workbook costs (issue 27)

Command: \`npm run bench -- workbook\` (run on ${new Date().toISOString().slice(0, 10)}, 2-core machine shared with other work).
Report files of a run whose ${ROWS.toLocaleString("en-US")} rows all failed (5 columns plus the \`#\` ones), written in process by
\`writeReportFiles\` with and without \`failures.xlsx\`, interleaved, medians of 3; then each failures file read back as an input.

${table(
  ["", "seconds", "runs", "failures file size"],
  [
    ["outcomes.csv + failures.csv + summary.json (baseline)", a.toFixed(2), csvOnly.map((x) => x.toFixed(2)).join(", "), `${mb(csvSize)} MB (failures.csv)`],
    ["the same + failures.xlsx", b.toFixed(2), withBook.map((x) => x.toFixed(2)).join(", "), `${mb(xlsxSize)} MB (failures.xlsx)`],
    ["workbook's own cost", (b - a).toFixed(2), "", `${Math.max(0, ((b - a) / ROWS) * 1e6).toFixed(0)} µs per failed row`],
    ["read back failures.csv", readCsvS.toFixed(2), "", ""],
    ["read back failures.xlsx", readXlsxS.toFixed(2), "", ""],
  ],
)}
`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
