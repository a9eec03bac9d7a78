import { describe, expect, it } from "vitest";
import { quoted } from "../../src/queue/fieldsFingerprint.js";

describe("quoted", () => {
  it("writes every string as JSON.stringify does: each code unit alone, pairs, lone surrogates and plain ids", () => {
    const samples: string[] = [
      "",
      "00000042-aaaa-4bbb-8ccc-123456789abc",
      "UpdateContactAttributes",
      'a"b',
      "a\\b",
      "tab\there",
      "\u2028\u2029",
      "\u{1F600}",
      "x\ud83d",
      "\ude00y",
      "\ud83d\ude00\ud83d",
    ];
    for (let c = 0; c <= 0xffff; c++) samples.push(String.fromCharCode(c), `id-${String.fromCharCode(c)}-x`);
    const wrong = samples.filter((s) => quoted(s) !== JSON.stringify(s));
    expect(wrong).toEqual([]);
  });
});
