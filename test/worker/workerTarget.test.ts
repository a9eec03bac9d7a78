import { describe, expect, it } from "vitest";
import { whyLeftAlone } from "../../src/worker/workerTarget.js";

describe("whyLeftAlone", () => {
  const run = { endpoint: "http://sim:4566", region: "us-east-1" };
  it("works a run of its own target, and one queued without a Region", () => {
    expect(whyLeftAlone(run, { endpoint: "http://sim:4566/", region: "us-east-1" })).toBeUndefined();
    expect(whyLeftAlone({ ...run, region: undefined }, { endpoint: "http://sim:4566", region: undefined })).toBeUndefined();
  });
  it("leaves alone another endpoint's, another Region's, and a Region's run when it has none", () => {
    expect(whyLeftAlone(run, { endpoint: undefined, region: "us-east-1" })).toMatch(/queued for http:\/\/sim:4566/);
    expect(whyLeftAlone(run, { endpoint: "http://sim:4566", region: "eu-west-1" })).toBe("it was queued for Region us-east-1, this worker calls eu-west-1");
    expect(whyLeftAlone(run, { endpoint: "http://sim:4566", region: undefined })).toMatch(/this worker has no Region/);
  });
});
