import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureDir } from "../../src/report/ensureDir.js";

describe("ensureDir", () => {
  it("creates missing levels owner-only, and accepts what exists", async () => {
    const base = await mkdtemp(join(tmpdir(), "ensuredir-"));
    try {
      const deep = join(base, "a", "b", "c");
      await ensureDir(deep);
      await ensureDir(deep);
      expect((await stat(deep)).isDirectory()).toBe(true);
      expect((await stat(join(base, "a"))).mode & 0o777).toBe(0o700);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it("fails at once where Node's recursive mkdir never returns (under /proc)", async () => {
    await expect(ensureDir("/proc/connect-backfill-test/x")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
