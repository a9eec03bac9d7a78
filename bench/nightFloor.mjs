// The floor of an unchanged night (issue 25): the least any process must do for a 100k-row export whose contacts all
// equal what the job remembers, measured beside `run` in the same bench run (bench/userWaits.ts). Not a product path:
// a lower bound, because it skips what the product owes its users and the floor does not pay for:
// - lines split at commas by hand (no CSV quoting, no BOM or separator sniffing, no JSONL or XLSX);
// - a contact id's shape and a value's length are the whole check (no operation's rules, no contact age);
// - no run record (target, settings, file fingerprint), no done bits read, no queue, no outcome read back;
// - outcomes.csv alone (no failures files, no summary.json or report.html), from memory, written once and fsynced.
// What it does do, as any honest night must: start Node, load a Redis client and a logger, read the whole file,
// hash each contact and its values (the product's own fingerprints), ask the job's memory (the product's own
// script, 500 rows a call, all at once), record one outcome per row durably in Redis (one script call per 500
// rows: a done bit per row and the chunk's outcomes), and write a report line per row.
// Plain JavaScript against dist/ (as bin/ runs): tsx's own start would be counted otherwise.
// Usage: node bench/nightFloor.mjs FILE REDIS_URL MEMORY_PREFIX INSTANCE_ID OUT_DIR
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

const [file, redisUrl, memoryPrefix, instanceId, outDir] = process.argv.slice(2);
if (!outDir) throw new Error("usage: node bench/nightFloor.mjs FILE REDIS_URL MEMORY_PREFIX INSTANCE_ID OUT_DIR");
const { Redis } = await import("ioredis");
const { pino } = await import("pino");
const { ChangeMemory } = await import("../dist/store/changeMemory.js");
const { contactKey, fingerprint } = await import("../dist/queue/fieldsFingerprint.js");
const log = pino({ level: "warn" });
const redis = new Redis(redisUrl);

const lines = readFileSync(file, "utf8").split("\n");
const header = (lines[0] ?? "").split(",");
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const rows = [];
for (let i = 1; i < lines.length; i++) {
  const text = lines[i];
  if (text === "") continue;
  const cells = text.split(",");
  if (!ID.test(cells[0])) throw new Error(`line ${i + 1}: not a contact id`);
  const fields = {};
  for (let c = 1; c < header.length; c++) {
    const v = cells[c] ?? "";
    if (v.length > 32767) throw new Error(`line ${i + 1}: value too long`);
    fields[header[c]] = v;
  }
  rows.push({ line: i + 1, contactId: cells[0], fields, cells });
}

const PER_CALL = 500;
const memory = new ChangeMemory(redis, memoryPrefix);
const parts = [];
for (let i = 0; i < rows.length; i += PER_CALL) parts.push(rows.slice(i, i + PER_CALL));
const answers = await Promise.all(
  parts.map((part) =>
    memory.compare(
      part.map((r) => ({ contact: contactKey(instanceId, r.contactId), fp: fingerprint(instanceId, r.contactId, "UpdateContactAttributes", r.fields) })),
    ),
  ),
);
const unchanged = answers.flat().filter((a) => a === "same").length;

const done = `${memoryPrefix}:floor:done`;
const outcomes = `${memoryPrefix}:floor:outcomes`;
redis.defineCommand("floorRecord", {
  numberOfKeys: 2,
  lua: "local first = tonumber(ARGV[1]) for i = 0, tonumber(ARGV[2]) - 1 do redis.call('SETBIT', KEYS[1], first + i, 1) end return redis.call('RPUSH', KEYS[2], ARGV[3])",
});
await Promise.all(parts.map((part) => redis.floorRecord(done, outcomes, part[0].line, part.length, part.map((r) => `${r.line},unchanged`).join("\n"))));

let out = `${header.join(",")},#line,#status\n`;
for (const r of rows) out += `${r.cells.join(",")},${r.line},unchanged\n`;
const fd = openSync(join(outDir, "floor-outcomes.csv"), "w");
writeSync(fd, out);
fsyncSync(fd);
closeSync(fd);

await redis.unlink(done, outcomes);
redis.disconnect();
log.info({ rows: rows.length, unchanged }, "floor night done");
// What it found, for the bench to check: a floor that compared nothing would be no floor.
process.stdout.write(`${JSON.stringify({ rows: rows.length, unchanged })}\n`);
