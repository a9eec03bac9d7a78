/** Each UpdateContactAttributes limit at its boundary, through the real SDK (which checks nothing itself). */
import { UpdateContactAttributesCommand } from "@aws-sdk/client-connect";
import { describe, expect, it } from "vitest";
import { validateUpdate } from "../../src/simulator/index.js";
import { clientFor, failure, startSim } from "./helpers.js";

async function setup() {
  const { sim, endpoint } = await startSim({ autoCreate: true });
  const client = clientFor(endpoint);
  const update = (InstanceId: string, InitialContactId: string, Attributes: Record<string, string>) =>
    client.send(new UpdateContactAttributesCommand({ InstanceId, InitialContactId, Attributes }));
  return { sim, update };
}

describe("UpdateContactAttributes limits", () => {
  it("InitialContactId: 256 chars ok, 257 is 400 InvalidParameterException", async () => {
    const { update } = await setup();
    await expect(update("i", "c".repeat(256), { a: "1" })).resolves.toBeDefined();
    const err = await failure(update("i", "c".repeat(257), { a: "1" }));
    expect(err.name).toBe("InvalidParameterException");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it("InstanceId: 100 chars ok, 101 is 400", async () => {
    const { update } = await setup();
    await expect(update("i".repeat(100), "c", { a: "1" })).resolves.toBeDefined();
    const err = await failure(update("i".repeat(101), "c", { a: "1" }));
    expect(err.name).toBe("InvalidParameterException");
  });

  it("lengths count characters, not UTF-16 units", async () => {
    const { update } = await setup();
    // 256 astral characters are 512 UTF-16 units but 256 characters.
    await expect(update("i", "😀".repeat(256), { a: "1" })).resolves.toBeDefined();
  });

  it("total UTF-8 bytes: 32,768 ok, 32,769 is 400", async () => {
    const { sim, update } = await setup();
    // key "k" (1 byte) + value of 32,767 bytes = 32,768.
    await expect(update("i", "fits", { k: "v".repeat(32_767) })).resolves.toBeDefined();
    // One more key of one byte with an empty value: 32,769.
    const err = await failure(update("i", "too-big", { k: "v".repeat(32_767), x: "" }));
    expect(err.name).toBe("InvalidParameterException");
    expect(err.$metadata.httpStatusCode).toBe(400);
    // Multi-byte characters count by their UTF-8 size: 16,384 x "é" (2 bytes) + key "k" = 32,769.
    const wide = await failure(update("i", "wide", { k: "é".repeat(16_384) }));
    expect(wide.name).toBe("InvalidParameterException");
    expect(sim.attributesOf("i", "too-big")).toBeUndefined();
  });

  it("the per-contact limit also holds across merged updates", async () => {
    const { sim, update } = await setup();
    await update("i", "c", { a: "x".repeat(20_000) });
    const err = await failure(update("i", "c", { b: "x".repeat(20_000) }));
    expect(err.name).toBe("InvalidParameterException");
    expect(Object.keys(sim.attributesOf("i", "c")!)).toEqual(["a"]);
    // Overwriting the big value with a smaller one is fine.
    await update("i", "c", { a: "", b: "x".repeat(20_000) });
  });

  it.each(["bad key", "dot.key", "ümlaut", "slash/key", ""])("key %j is 400", async (key) => {
    const { update } = await setup();
    const err = await failure(update("i", "c", { [key]: "v" }));
    expect(err.name).toBe("InvalidParameterException");
  });

  it("keys of letters, digits, - and _ are accepted, values may be empty", async () => {
    const { sim, update } = await setup();
    // "__proto__" matches the key pattern; it must be stored as data, not change a prototype.
    await update("i", "c", { "Az09_-": "", ["__proto__"]: "p" });
    const stored = sim.attributesOf("i", "c")!;
    expect(Object.keys(stored).sort()).toEqual(["Az09_-", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(stored, "__proto__")?.value).toBe("p");
  });

  it("empty ids are 400", async () => {
    const { update } = await setup();
    expect((await failure(update("i", "", { a: "1" }))).name).toBe("InvalidParameterException");
  });

  it("a value over 32,767 characters is 400", async () => {
    const { update } = await setup();
    expect((await failure(update("i", "c", { k: "v".repeat(32_768) }))).name).toBe("InvalidParameterException");
  });
});

describe("validateUpdate (shape errors the SDK cannot produce)", () => {
  it.each([
    ["not an object", "x"],
    ["array", []],
    ["missing InitialContactId", { InstanceId: "i", Attributes: {} }],
    ["missing InstanceId", { InitialContactId: "c", Attributes: {} }],
    ["missing Attributes", { InitialContactId: "c", InstanceId: "i" }],
    ["Attributes array", { InitialContactId: "c", InstanceId: "i", Attributes: [] }],
    ["numeric id", { InitialContactId: 5, InstanceId: "i", Attributes: {} }],
    ["non-string value", { InitialContactId: "c", InstanceId: "i", Attributes: { a: 1 } }],
  ])("%s is InvalidRequestException", (_name, body) => {
    const result = validateUpdate(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ status: 400, code: "InvalidRequestException" });
  });

  it("malformed JSON over HTTP is 400 InvalidRequestException", async () => {
    const { endpoint } = await startSim({ autoCreate: true });
    const res = await fetch(`${endpoint}/contact/attributes`, {
      method: "POST",
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIDTEST/x", "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
    expect(await res.json()).toHaveProperty("Message");
  });
});
