import { BackfillError } from "./errors.js";

/** `s3://bucket/key`: an object (input) or a key prefix (reports, a job's pattern). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

export const isS3Url = (s: string): boolean => /^s3:\/\//i.test(s);

/** An S3 URL given wrongly, or an object that cannot be read or written: one sentence, never a stack. */
export class S3Error extends BackfillError {
  override readonly name = "S3Error";
  readonly code: string = "s3";
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!m?.[1]) throw new S3Error(`${url}: not an S3 URL; write it as s3://bucket/key.`);
  return { bucket: m[1], key: m[2] ?? "" };
}

export const s3UrlOf = (loc: S3Location): string => `s3://${loc.bucket}/${loc.key}`;
