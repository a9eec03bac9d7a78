import type { S3Client } from "@aws-sdk/client-s3";
import { S3Error } from "./s3Url.js";

// The URL side stays light (config and the CLI read URLs without loading the SDK).
export { isS3Url, parseS3Url, S3Error, type S3Location, s3UrlOf } from "./s3Url.js";

let client: S3Client | undefined;

/** The S3 SDK, loaded by the first command that reads or writes S3 (a quarter of a second a command that does not need not pay). */
export function s3Sdk(): Promise<typeof import("@aws-sdk/client-s3")> {
  return import("@aws-sdk/client-s3");
}

/**
 * One client per process. Credentials, Region and endpoint come the SDK's own
 * way (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3...). Only whether an
 * endpoint is set is looked at here: an S3-compatible server (MinIO, s3rver,
 * LocalStack) wants path-style addresses (http://host/bucket/key), and so may a
 * user who asks for them (AWS_S3_FORCE_PATH_STYLE=true).
 */
export async function s3Client(env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  if (client) return client;
  const { S3Client } = await s3Sdk();
  const compatible = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  const pathStyle = compatible || env.AWS_S3_FORCE_PATH_STYLE === "true";
  // Since 2025 the SDK streams uploads as aws-chunked bodies with a trailing checksum; S3-compatible servers
  // that predate it store the chunk framing as the file's content. Against such an endpoint a checksum is sent
  // only where the API requires one, unless AWS_REQUEST_CHECKSUM_CALCULATION (the SDK's own variable) says otherwise.
  const checksums = compatible && !env.AWS_REQUEST_CHECKSUM_CALCULATION ? { requestChecksumCalculation: "WHEN_REQUIRED" as const } : {};
  client = new S3Client({ forcePathStyle: pathStyle, ...checksums });
  return client;
}

/** What the SDK threw, in a sentence that names the object and the S3 error. */
export function s3Problem(url: string, verb: string, err: unknown): S3Error {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const why =
    e.name === "NoSuchKey" || (status === 404 && verb === "read")
      ? "no such object"
      : e.name === "NoSuchBucket"
        ? "no such bucket"
        : status === 403 || e.name === "AccessDenied"
          ? "access denied (check the credentials and the bucket's policy)"
          : `${e.name ?? "error"}${status ? ` (HTTP ${status})` : ""}: ${e.message ?? String(err)}`;
  return new S3Error(`${url}: cannot ${verb} it (${why}).`);
}
