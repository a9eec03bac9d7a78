import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { LoadedJob } from "./JobFile.js";
import { JobFileError } from "./JobFileError.js";
import { fileNameMatcher, hasWildcard, newestMatch } from "./newestMatch.js";
import { validateJob } from "./validateJob.js";
import { isS3Url } from "../lib/s3Url.js";
import { newestS3Match } from "../input/s3Newest.js";

/** "… at position 42" (Node 20) or "(line 3 column 5)" (Node 22) → "at line 3, column 5", counted in `text`. */
function jsonProblem(message: string, text: string): string {
  const at = /\s*in JSON at position (\d+)(?:\s*\(line \d+ column \d+\))?/.exec(message);
  const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}…` : s);
  if (!at) return short(message);
  const pos = Number(at[1]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const column = pos - before.lastIndexOf("\n");
  return `${short(message.slice(0, at.index))} at line ${line}, column ${column}`;
}

/**
 * Reads and checks a job file. `input` and `reportsDir` are relative to the job
 * file's folder; an `input` with * or ? in its file name resolves to the newest
 * matching file, said in `inputNote`. Every problem is a JobFileError of one
 * sentence naming `path` (as given) and the key. `missingInput: "say"`: a pattern that
 * matches nothing is not an error here but `inputMissing`, for the command to say.
 */
export async function loadJob(path: string, opts: { readonly missingInput?: "throw" | "say" } = {}): Promise<LoadedJob> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a folder, not a file" : code === "EACCES" ? "not readable (permission denied)" : String(code ?? err);
    throw new JobFileError(`${path}: cannot read the job file (${why}).`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JobFileError(`${path}: not valid JSON (${jsonProblem((err as Error).message, text)}).`);
  }
  const job = validateJob(value, path);
  const dir = dirname(resolve(path));
  if (isS3Url(job.input)) return s3Input(path, job, dir);
  const input = resolve(dir, job.input);
  if (!hasWildcard(basename(job.input))) return { job, dir, inputPath: input };
  const match = await newestMatch(input);
  if (match === undefined) {
    const sentence = `${path}: "input" ${JSON.stringify(job.input)} matches no file in ${dirname(input)}.`;
    // `run` and `enqueue` say it as a missing file (exit 1), once the job's settings are known: its night is told.
    if (opts.missingInput === "say") return { job, dir, inputPath: input, inputMissing: sentence };
    throw new JobFileError(sentence);
  }
  const files = match.count === 1 ? "1 file" : `${match.count} files`;
  const which = match.count === 1 ? basename(match.path) : `the newest, ${basename(match.path)}`;
  return { job, dir, inputPath: match.path, inputNote: `${job.input} matched ${files}; using ${which} (modified ${match.mtime.toISOString()})` };
}

/** An `input` in S3: the object itself, or (with * or ? in its last segment) the newest object whose key matches. */
async function s3Input(path: string, job: LoadedJob["job"], dir: string): Promise<LoadedJob> {
  const name = job.input.slice(job.input.lastIndexOf("/") + 1);
  if (!hasWildcard(name)) return { job, dir, inputPath: job.input };
  const match = await newestS3Match(job.input, fileNameMatcher(name));
  if (match === undefined)
    throw new JobFileError(`${path}: "input" ${JSON.stringify(job.input)} matches no object in ${job.input.slice(0, job.input.lastIndexOf("/") + 1)}.`);
  const objects = match.count === 1 ? "1 object" : `${match.count} objects`;
  const which = match.count === 1 ? match.url : `the newest, ${match.url}`;
  return { job, dir, inputPath: match.url, inputNote: `${job.input} matched ${objects}; using ${which} (modified ${match.mtime.toISOString()})` };
}
