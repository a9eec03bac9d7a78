import type { ListObjectsV2CommandOutput } from "@aws-sdk/client-s3";
import { parseS3Url, s3Client, s3Problem, s3Sdk } from "../lib/s3.js";

/**
 * The newest object (by LastModified; the last key in sort order among equal
 * times) whose key is `folder` + a name that `matches`, where the pattern's key
 * holds * or ? in its last segment only (as a job's local `input`). Listed from
 * the literal part before the first wildcard, page by page.
 */
export async function newestS3Match(pattern: string, matches: (name: string) => boolean): Promise<{ url: string; mtime: Date; count: number } | undefined> {
  const { bucket, key } = parseS3Url(pattern);
  const folder = key.slice(0, key.lastIndexOf("/") + 1);
  const literal = key.slice(0, key.search(/[*?]/));
  let best: { key: string; mtime: Date } | undefined;
  let count = 0;
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await (await s3Client()).send(new (await s3Sdk()).ListObjectsV2Command({ Bucket: bucket, Prefix: literal, ContinuationToken: token }));
    } catch (err) {
      throw s3Problem(`s3://${bucket}/${literal}`, "list", err);
    }
    for (const o of page.Contents ?? []) {
      const k = o.Key ?? "";
      if (!k.startsWith(folder) || k.slice(folder.length).includes("/") || !matches(k.slice(folder.length))) continue;
      count++;
      const t = o.LastModified ?? new Date(0);
      if (!best || t > best.mtime || (t.getTime() === best.mtime.getTime() && k > best.key)) best = { key: k, mtime: t };
    }
    token = page.NextContinuationToken;
  } while (token);
  return best ? { url: `s3://${bucket}/${best.key}`, mtime: best.mtime, count } : undefined;
}
