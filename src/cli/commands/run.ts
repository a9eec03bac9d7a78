import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { formatOf } from "../../input/openSource.js";
import { exitCodeOf, fatalError } from "../exitCodes.js";
import { ENQUEUE_FLAGS, WORK_FLAGS } from "../parseArgs.js";
import { ProgressLine } from "../ProgressLine.js";
import { logRunEnded, sayRunEnded } from "../runEnded.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";

/** A missing file is said as such, before its name's extension is judged. */
export function requireFile(file: string): void {
  if (file !== "-" && !existsSync(file)) throw fatalError(`${resolve(file)}: no such file.`);
}

export const run: Command = {
  usage: "connect-backfill run <file> [--instance-id ID] [--rate N] [--concurrency N] [--reports-dir DIR] [--run-id ID] ...",
  flags: { ...ENQUEUE_FLAGS, ...WORK_FLAGS, quiet: "boolean" },
  positionals: [1, 1],
  async run({ config, positionals, flags }) {
    const file = positionals[0] as string;
    requireFile(file);
    formatOf(file, config.format); // a bad extension is reported before Redis is touched
    // Commands load what they use: the AWS SDK alone is tens of MB that enqueue does not need.
    const { runFile } = await import("../../app/runFile.js");
    return withContext(config, "long-lived", async (ctx) => {
      const stop = stopSignals();
      const progress = new ProgressLine();
      try {
        const res = await runFile(ctx, file, { signal: stop.graceful, ...(flags.quiet ? {} : { onProgress: (p) => progress.update(p) }) });
        progress.finish();
        logRunEnded(ctx.log, res);
        sayRunEnded(res, { quiet: Boolean(flags.quiet), file });
        return exitCodeOf(res);
      } finally {
        stop.dispose();
      }
    });
  },
};
