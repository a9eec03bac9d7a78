// The baseline producer: the same file, one BullMQ job per row, addBulk of 1,000.
import { createReadStream } from "node:fs";
import { Queue } from "bullmq";
import { parse } from "csv-parse";
import { Redis } from "ioredis";

const [file, prefix] = process.argv.slice(2) as [string, string];
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
const queue = new Queue("rows", { connection: redis, prefix });
let batch: Array<{ name: string; data: Record<string, string> }> = [];
let n = 0;
for await (const row of createReadStream(file).pipe(parse({ columns: true, bom: true }))) {
  batch.push({ name: "row", data: row as Record<string, string> });
  if (batch.length === 1000) {
    await queue.addBulk(batch);
    n += batch.length;
    batch = [];
  }
}
if (batch.length > 0) await queue.addBulk(batch);
n += batch.length;
await queue.close();
await redis.quit();
console.error(`baseline queued ${n} jobs`);
