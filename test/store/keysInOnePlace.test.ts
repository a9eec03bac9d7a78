import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "../../src");

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

/** Hash commands (their field names) and keys spelled from the prefix: the store's alone. */
const STORE_ONLY = /\.(hget|hset|hsetnx|hmget|hgetall|hincrby|hdel|hexists|zadd|zrevrange|sadd|smembers|xadd|xrange|xlen|rpush|lrange|getbit|setbit)\(|prefix\}:/;

describe("Redis keys and hash fields", () => {
  it("are named and read only under src/store (the governor's own Lua aside, and the simulator)", () => {
    const outside: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file);
      if (rel.startsWith("store/") || rel.startsWith("simulator/") || rel.startsWith("rate/")) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (STORE_ONLY.test(line)) outside.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(outside).toEqual([]);
  });
});
