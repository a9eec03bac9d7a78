import { describe, expect, it } from "vitest";
import { chunkJobId, runOfChunkJobId } from "../../src/queue/ChunkJob.js";

describe("a chunk job's id names its run", () => {
  it("gives back the run of any id chunkJobId makes, resumed ones (a suffix) and run ids holding '.c' included", () => {
    for (const runId of ["wiped", "nightly.crm", "a.c", "2026-12-05T01-00-00Z-x"]) {
      for (const index of [0, 7, 1234]) {
        expect(runOfChunkJobId(chunkJobId(runId, index))).toBe(runId);
        expect(runOfChunkJobId(`${chunkJobId(runId, index)}.r3`)).toBe(runId);
      }
    }
  });
});
