import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeStaleStaged, tmpPath } from "../../src/report/tmpPath.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("staged report files a killed writer left", () => {
  it("are removed by the next report writer: another process's, one staged inside a staged one, this pid's from before this process started; this process's own, other names and the spool stay", async () => {
    dir = await mkdtemp(join(tmpdir(), "cb-staged-"));
    const other = 2 ** 22 + 17; // above Linux's default pid_max: never this process
    const mine = tmpPath(join(dir, "failures.xlsx")).slice(dir.length + 1);
    const oldMine = `outcomes.csv.${process.pid}.0badf00d.tmp`;
    const names = {
      gone: [`outcomes.csv.${other}.abcdef12.tmp`, `failures.xlsx.${other}.abcdef12.tmp.${other}.12345678.tmp`, `report.html.${other}.00ff00ff.tmp`, oldMine],
      kept: [mine, `notes.txt.${other}.abcdef12.tmp`, "outcomes.csv", ".outcomes.spool", `outcomes.csv.${other}.tmp`],
    };
    for (const f of [...names.gone, ...names.kept]) await writeFile(join(dir, f), "x");
    // Same pid, written before this process began (a container's pid 1, killed and started again).
    const before = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    await utimes(join(dir, oldMine), before, before);
    await removeStaleStaged(dir, ["outcomes.csv", "failures.csv", "summary.json", "failures.xlsx", "report.html"]);
    expect((await readdir(dir)).sort()).toEqual([...names.kept].sort());
  });

  it("never fails the report: a folder that is not there is nothing to remove", async () => {
    await expect(removeStaleStaged(join(tmpdir(), `cb-none-${process.pid}-${Date.now()}`), ["outcomes.csv"])).resolves.toBeUndefined();
  });
});
