import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { parseS3Url, s3Client, s3Problem, s3Sdk, s3UrlOf } from "../lib/s3.js";

const TYPES: Record<string, string> = {
  ".csv": "text/csv; charset=utf-8",
  ".json": "application/json",
  ".html": "text/html; charset=utf-8",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/**
 * The S3 sink of a report: uploads the files just written (whole, after the
 * local write has committed them) to `<prefix>/<runId>/<name>`, so a reader of
 * the bucket never sees half a file. Each upload replaces the one before: a
 * report rewritten later (by `report`) is the newer, fuller one. Returns the
 * folder's URL.
 */
export async function uploadReport(prefixUrl: string, runId: string, files: readonly string[]): Promise<string> {
  const { bucket, key } = parseS3Url(prefixUrl);
  const folder = `${key.replace(/\/+$/, "")}${key.replace(/\/+$/, "") === "" ? "" : "/"}${runId}/`;
  for (const file of files) {
    const name = basename(file);
    const target = s3UrlOf({ bucket, key: folder + name });
    try {
      const { size } = await stat(file);
      await (await s3Client()).send(
        new (await s3Sdk()).PutObjectCommand({
          Bucket: bucket,
          Key: folder + name,
          Body: createReadStream(file),
          ContentLength: size,
          ContentType: TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream",
        }),
      );
    } catch (err) {
      throw s3Problem(target, "write", err);
    }
  }
  return s3UrlOf({ bucket, key: folder });
}
