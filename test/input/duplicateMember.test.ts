import { describe, expect, it } from "vitest";
import { duplicateMember } from "../../src/input/duplicateMember.js";

/** Members of all objects in the parsed value, as readJsonl counts them. */
function keysOf(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  const children = Object.values(v as object);
  return (Array.isArray(v) ? 0 : children.length) + children.reduce((n: number, c) => n + keysOf(c), 0);
}
const dup = (text: string) => duplicateMember(text, keysOf(JSON.parse(text)));

describe("a member named twice in one JSON object", () => {
  it.each([
    ['{"contactId":"a","contactId":"b","attributes":{"t":"x"}}', { name: "contactId", within: undefined }],
    ['{"contactId":"c","attributes":{"tier":"gold","tier":"silver"}}', { name: "tier", within: "attributes" }],
    ['{"contactId":"d","attributes":{"tier":"gold"},"attributes":{"note":"x"}}', { name: "attributes", within: undefined }],
    // The same name written with an escape is the same name.
    ['{"contactId":"e","attributes":{"tier":"a","t\\u0069er":"b"}}', { name: "tier", within: "attributes" }],
    ['{ "contactId" : "f" , "contactId" : "g" }', { name: "contactId", within: undefined }],
    ['{"contactId":"h","attributes":{"a":"1"},"x":[{"k":1,"k":2}]}', { name: "k", within: "x" }],
    ['{"#x":{"k":1,"k":2},"contactId":"a","attributes":{"t":"1","t":"2"}}', { name: "t", within: "attributes" }],
  ])("%s", (text, expected) => {
    expect(dup(text)).toEqual(expected);
  });

  it.each([
    '{"contactId":"a","attributes":{"tier":"gold"}}',
    // A name in two objects is no repeat; a value that looks like a member's name is a value.
    '{"contactId":"a","attributes":{"contactId":"x","note":"\\"contactId\\": 1","q":"a\\":b"}}',
    '{"contactId":"a","attributes":{"t":"x"},"extra":[{"t":1},{"t":2}]}',
    '{"a":"b\\\\","c":"d"}',
    // A # member is the user's own context: never read, never judged.
    '{"contactId":"ok-6","attributes":{"a":"1"},"#x":{"k":1,"k":2}}',
    '{"contactId":"ok-7","attributes":{"a":"1"},"#n":1,"#n":2,"#l":[{"k":1,"k":2}]}',
  ])("none in %s", (text) => {
    expect(dup(text)).toBeUndefined();
  });
});
