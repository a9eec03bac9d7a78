import { describe, expect, it } from "vitest";
import { breakerManifestFields, breakerOf, type BreakerSettings } from "../../src/domain/breaker.js";
import { targetMismatch } from "../../src/domain/run/manifest.js";

describe("breakerOf", () => {
  it("reads the run's rules from its manifest, and back", () => {
    const b: BreakerSettings = { window: 200, ratio: 0.3, auth: 2, consecutive: 9, ignore: ["X"] };
    expect(breakerOf(breakerManifestFields(b) as Parameters<typeof breakerOf>[0])).toEqual(b);
  });

  it("without a manifest: the default rules", () => {
    expect(breakerOf(undefined)).toEqual({ window: 1000, ratio: 0.5, auth: 5, consecutive: 25, ignore: [] });
  });
});

describe("targetMismatch", () => {
  const none = { endpoint: undefined, region: undefined };
  it.each([
    ["same default endpoint", none, none, undefined],
    [
      "same endpoint, case and trailing slash aside",
      { endpoint: "http://Local:1/", region: "eu-west-2" },
      { endpoint: "http://local:1", region: "eu-west-2" },
      undefined,
    ],
    ["one Region unknown", { endpoint: undefined, region: "eu-west-2" }, none, undefined],
    ["another endpoint", { endpoint: "http://a:1", region: undefined }, none, "it was queued for http://a:1, this worker calls the AWS default endpoint"],
    [
      "another Region",
      { endpoint: undefined, region: "eu-west-2" },
      { endpoint: undefined, region: "us-east-1" },
      "it was queued for Region eu-west-2, this worker calls us-east-1",
    ],
    [
      "an endpoint's userinfo is never said",
      { endpoint: "http://u:secret@a:1", region: undefined },
      none,
      "it was queued for http://a:1, this worker calls the AWS default endpoint",
    ],
  ])("%s", (_, theirs, mine, why) => {
    expect(targetMismatch(theirs, mine)).toBe(why);
  });
});
