import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, csv, harness, readReport, type Harness } from "./helpers.js";

// failures.xlsx, opened and saved by a real spreadsheet program (LibreOffice, headless), fed back: IDs a CSV
// would lose in a spreadsheet (leading zeros, 20 digits) and text that looks like a formula reach the contacts
// exactly as written.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SOFFICE = ["soffice", "libreoffice"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);
// CI installs it (.ci/run); elsewhere the skip says why, in the test's own name.
const NEEDS = SOFFICE ? "" : " [SKIPPED: no soffice on this machine; apt-get install libreoffice-calc-nogui]";

describe("failures workbook", () => {
  it.skipIf(SOFFICE === undefined)(
    `round trip through LibreOffice keeps 00042, 20 digits and =1+1 as text and re-feeds them exactly${NEEDS}`,
    async () => {
      h = await harness({ latencyMs: 1 });
      const values = [
        ["c1", "00042", "12345678901234567890", "=1+1"],
        ["c2", "007", "441234567890", "+44 20 7946 0000"],
        ["c3", "0", "99999999999999999999", "-5"],
      ];
      const file = await h.file("accounts.csv", csv([["contactId", "account", "longNumber", "note"], ...values]));
      for (const [contact] of values) h.sim.injectFaults(contact as string, ["ConflictException"]);
      const common = ["--instance-id", "i", "--prefix", h.prefix, "--endpoint", h.endpoint, "--reports-dir", join(h.dir, "reports"), "--quiet"];
      const first = await cli(["run", file, "--run-id", "wb", ...common]);
      expect(first.code, first.stderr).toBe(3);
      expect(h.sim.acceptedCount()).toBe(0);
      const workbook = join(h.dir, "reports", "wb", "failures.xlsx");
      expect(existsSync(workbook)).toBe(true);

      // Opened and saved by a spreadsheet program, into another folder (its own profile: tests may run side by side).
      const saved = join(h.dir, "saved");
      await mkdir(saved);
      const lo = spawnSync(
        SOFFICE as string,
        [`-env:UserInstallation=file://${join(h.dir, "lo-profile")}`, "--headless", "--convert-to", "xlsx", "--outdir", saved, workbook],
        { encoding: "utf8", timeout: 120_000 },
      );
      expect(lo.status, lo.stderr).toBe(0);
      const resaved = join(saved, "failures.xlsx");
      expect(existsSync(resaved)).toBe(true);

      const again = await cli(["run", resaved, "--run-id", "wb-again", ...common]);
      expect(again.code, again.stderr).toBe(0);
      for (const [contact, account, longNumber, note] of values) {
        expect(h.sim.attributesOf("i", contact as string)).toEqual({ account, longNumber, note });
      }
      // Outcomes name the sheet's rows (row 1 the header), as failures.csv's would name its lines.
      expect((await readReport(join(h.dir, "reports", "wb-again", "outcomes.csv"))).map((o) => [o.line, o.contactId, o.status])).toEqual([
        ["2", "c1", "updated"],
        ["3", "c2", "updated"],
        ["4", "c3", "updated"],
      ]);
    },
    180_000,
  );
});
