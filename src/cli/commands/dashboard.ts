import { EXIT, usageError } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";

export const dashboard: Command = {
  usage:
    "connect-backfill dashboard [--port N] [--host H] [--allow-actions] [--reports-dir DIR]\n" +
    "  A web page of the runs (live counts, rate, ETA, reports) and bull-board at /queues, until SIGINT/SIGTERM.\n" +
    "  Read-only unless --allow-actions (cancel and resume buttons). Listens on 127.0.0.1:3000 by default; it has\n" +
    "  no authentication, so put it behind a proxy that authenticates before opening it with --host.",
  flags: flagSpecOf("dashboard"),
  positionals: [0, 0],
  async run({ config, flags }) {
    const port = flags.port as number | undefined;
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
      throw usageError(`dashboard: --port must be an integer from 0 to 65535, got ${port}`);
    const host = flags.host as string | undefined;
    if (host !== undefined && host.trim() === "") throw usageError("dashboard: --host needs an address, such as 127.0.0.1 or 0.0.0.0");
    const { startDashboard: openDashboard } = await import("../../dashboard/dashboardServer.js");
    return withContext(config, "long-lived", async (ctx) => {
      const board = await openDashboard(ctx, { port, host, allowActions: flags["allow-actions"] === true });
      for (const w of board.warnings) process.stderr.write(`connect-backfill: warning: ${w}\n`);
      process.stdout.write(`dashboard on ${board.url} (bull-board at /queues)${flags["allow-actions"] === true ? "; actions allowed" : ""}\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      await board.close();
      return EXIT.ok;
    });
  },
};
