import { EXIT } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { stopSignals } from "../stopSignals.js";
import { withContext, type Command } from "./Command.js";

export const work: Command = {
  usage:
    "connect-backfill work [--run-id ID[,ID]] [--rate N] [--concurrency N] [--exit-when-idle]\n  Processes queued runs (every run on the prefix, or those of --run-id) until SIGTERM/SIGINT.\n  A run queued for another endpoint or Region than this worker's is left alone (said once in the log);\n  with --run-id, runs all queued for one target are worked there, whatever the shell says.",
  flags: flagSpecOf("work"),
  runIdList: true,
  positionals: [0, 0],
  async run({ config }) {
    const { workQueue } = await import("../../app/workQueue.js");
    return withContext(config, "long-lived", async (ctx) => {
      const stop = stopSignals();
      try {
        await workQueue(ctx, { signal: stop.graceful, hardSignal: stop.hard });
        return EXIT.ok;
      } finally {
        stop.dispose();
      }
    });
  },
};
