import { resolve } from "node:path";
import { EXIT, usageError } from "../exitCodes.js";
import { flagSpecOf } from "../../config/options.js";
import { withContext, type Command } from "./Command.js";

export const schedule: Command = {
  usage:
    'connect-backfill schedule <job.json> | --list [--json] | --remove NAME\n  Registers (or updates) a job\'s cron schedule (its "schedule", in its "timezone", default UTC) in Redis.\n  Every `work` process on the prefix runs a due job; the job file must be readable there at the same path.',
  flags: flagSpecOf("schedule"),
  positionals: [0, 1],
  takesJobFile: true,
  async run({ config, positionals, flags, job }) {
    const { listSchedules, removeSchedule, scheduleJob } = await import("../../app/jobSchedules.js");
    const wanted = [job !== undefined, flags.list === true, typeof flags.remove === "string"].filter(Boolean).length;
    if (wanted !== 1 || (positionals.length > 0 && !job)) throw usageError(`usage: ${schedule.usage.split("\n")[0]}`);
    return withContext(config, "command", async (ctx) => {
      if (flags.list) {
        const all = await listSchedules(ctx);
        if (flags.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        else if (all.length === 0) process.stdout.write("no job schedules on this Redis\n");
        else {
          for (const s of all) {
            process.stdout.write(
              `${s.name}: "${s.pattern}" (${s.timezone ?? "UTC"}), next ${s.next ? new Date(s.next).toISOString() : "-"}, job file ${s.jobFile ?? "?"}\n`,
            );
          }
        }
        return EXIT.ok;
      }
      if (typeof flags.remove === "string") {
        const removed = await removeSchedule(ctx, flags.remove);
        process.stderr.write(`connect-backfill: ${removed ? `schedule of job ${flags.remove} removed` : `no schedule for a job named ${flags.remove}`}\n`);
        return removed ? EXIT.ok : EXIT.couldNotRun;
      }
      const loaded = job as NonNullable<typeof job>;
      const pattern = loaded.job.schedule;
      const where = resolve(positionals[0] as string);
      if (!pattern) throw usageError(`${positionals[0]}: the job has no "schedule" (a cron expression such as "0 2 * * *")`);
      const tz = loaded.job.timezone ?? "UTC";
      let next: number | undefined;
      try {
        next = await scheduleJob(ctx, loaded.job.name, pattern, tz, where);
      } catch (err) {
        throw usageError(`${positionals[0]}: "schedule" ${JSON.stringify(pattern)} in ${tz} is not a schedule BullMQ can follow (${(err as Error).message})`);
      }
      process.stderr.write(
        `connect-backfill: job ${loaded.job.name} scheduled "${pattern}" (${tz})${next ? `, next at ${new Date(next).toISOString()}` : ""}; every \`work\` process on this Redis runs it, reading ${where}\n`,
      );
      return EXIT.ok;
    });
  },
};
