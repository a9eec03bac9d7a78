import { createWriteStream, type WriteStream } from "node:fs";
import { chmod, rename, rm } from "node:fs/promises";
import { BackfillError } from "../lib/errors.js";
import { tmpPath } from "./tmpPath.js";

/** Text gathered before it goes to the file: a stream write per row cost more than the row's formatting. */
const WRITE_BYTES = 256 * 1024;

/** A report file could not be written (a full disk, a file size limit): which file, and what the system said. */
export class ReportWriteError extends BackfillError {
  override readonly name = "ReportWriteError";
  readonly code = "report-write-failed";
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const e = cause as { code?: string; message?: string };
    super(`could not write ${path} (${e.code ? `${e.code}: ` : ""}${(e.message ?? String(cause)).replace(/^[A-Z]+: /, "").split("\n")[0]})`);
  }
}

/**
 * Writes to a temporary name then renames: a reader never sees half a report, even after a crash. A write the
 * system refuses (a disk full between two blocks) is said at the next write or at `commit` as a ReportWriteError
 * naming the file, never as an error nobody listens to; `discard` then removes the half-written file (a
 * 10M-row outcomes.csv is gigabytes on the disk that just filled) and the report before it stays as it was.
 */
export class AtomicFile {
  private readonly stream: WriteStream;
  private readonly tmp: string;
  // Rows are encoded into a block as they come (a string of a block's rows joined cost more to flatten).
  private block: Buffer = Buffer.allocUnsafe(WRITE_BYTES);
  private used = 0;
  /**
   * Blocks the disk is done with, taken again: a new block for each 256 KiB (a 100k-row outcomes.csv: 68) is
   * new memory for the process each time, and first touches of memory cost more than the rows' formatting on
   * some virtual machines (~10 µs a page here).
   */
  private readonly spare: Buffer[] = [];
  private failed: unknown;
  constructor(readonly path: string) {
    this.tmp = tmpPath(path);
    // Several blocks may wait for the disk while the next is made: at the stream's default (16 KiB) every block
    // waited for its own write (a 100k-row report sat idle ~40 ms of its ~150).
    this.stream = createWriteStream(this.tmp, { mode: 0o600, highWaterMark: 8 * WRITE_BYTES });
    this.stream.on("error", (err) => {
      this.failed ??= err;
    });
  }
  /** Gathers `text`; a promise only when a block went to the stream (await it then: the stream may ask to wait). */
  write(text: string): Promise<void> | undefined {
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (this.used + text.length * 3 <= this.block.length) {
      this.used += this.block.write(text, this.used);
      return undefined;
    }
    return this.flush().then(() => {
      if (text.length * 3 > this.block.length) return this.put(Buffer.from(text, "utf8"));
      this.used += this.block.write(text, this.used);
    });
  }
  private flush(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    const block = this.block;
    const full = block.subarray(0, this.used);
    this.block = this.spare.pop() ?? Buffer.allocUnsafe(WRITE_BYTES);
    this.used = 0;
    return this.put(full, block);
  }
  /** `block`: the block `bytes` are in, made the next one again once the disk has them. */
  private async put(bytes: Buffer, block?: Buffer): Promise<void> {
    this.refused();
    const more = this.stream.write(bytes, block ? () => this.spare.push(block) : undefined);
    if (!more) await this.until("drain");
  }
  async commit(): Promise<void> {
    await this.flush();
    this.refused();
    this.stream.end();
    await this.until("finish");
    try {
      await rename(this.tmp, this.path);
      await chmod(this.path, 0o600);
    } catch (err) {
      throw new ReportWriteError(this.path, err);
    }
  }
  /** Ends the file unwritten: its temporary name is removed, and the file of the name (an earlier report) is left as it was. */
  async discard(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmp, { force: true });
  }
  private refused(): void {
    if (this.failed !== undefined) throw new ReportWriteError(this.path, this.failed);
  }
  /** The stream's `event`, or its error (one already heard included) as a ReportWriteError. */
  private until(event: "drain" | "finish"): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failed !== undefined) {
        reject(new ReportWriteError(this.path, this.failed));
        return;
      }
      const onError = (err: unknown) => {
        this.stream.off(event, onDone);
        reject(new ReportWriteError(this.path, err));
      };
      const onDone = () => {
        this.stream.off("error", onError);
        resolve();
      };
      this.stream.once(event, onDone);
      this.stream.once("error", onError);
    });
  }
}
