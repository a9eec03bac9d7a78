import { Readable } from "node:stream";
import { parseS3Url, s3Client, s3Problem, s3Sdk } from "../lib/s3.js";
import { InputFileError } from "./InputFileError.js";
import type { InputTransport } from "./InputTransport.js";

interface Version {
  readonly etag: string;
  readonly size: number;
}

const fingerprintOf = (v: Version): string => `s3:${v.size}:${v.etag.replace(/"/g, "")}`;

/**
 * An S3 object, streamed with GetObject; fingerprinted by its ETag and size (S3
 * keeps both with the object). The first GetObject picks the version; later
 * reads through this transport (a second pass of the CSV reader) ask for it by
 * ETag (If-Match), and the fingerprint is its own: what the run records is what
 * was read, even if the object is replaced meanwhile.
 */
export function s3Transport(url: string): InputTransport {
  const { bucket, key } = parseS3Url(url);
  let version: Version | undefined;
  if (key === "" || key.endsWith("/")) throw new InputFileError(`${url}: names no object (a key is needed after the bucket).`);
  const head = async (): Promise<Version | undefined> => {
    try {
      const h = await (await s3Client()).send(new (await s3Sdk()).HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { etag: h.ETag ?? "", size: h.ContentLength ?? 0 };
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw s3Problem(url, "read", err);
    }
  };
  return {
    id: url,
    async open() {
      const known = version;
      try {
        const res = await (await s3Client()).send(new (await s3Sdk()).GetObjectCommand({ Bucket: bucket, Key: key, ...(known ? { IfMatch: known.etag } : {}) }));
        if (!known) version = { etag: res.ETag ?? "", size: res.ContentLength ?? 0 };
        return res.Body instanceof Readable ? res.Body : Readable.from([]);
      } catch (err) {
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) {
          throw new InputFileError(`${url}: the object was replaced while it was read; run the command again to read the new one.`);
        }
        throw s3Problem(url, "read", err);
      }
    },
    async fingerprint() {
      const v = version ?? (await head());
      return v ? fingerprintOf(v) : undefined;
    },
    async changedWhileRead() {
      const then = version;
      if (!then) return undefined;
      const now = await head();
      if (now && now.etag === then.etag) return undefined;
      return `${url} was replaced while it was read (${then.size} bytes at the start, ${now ? `${now.size} now` : "gone at the end"})`;
    },
  };
}
