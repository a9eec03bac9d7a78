import { JobSchedules, type ScheduleInfo } from "../queue/JobSchedules.js";
import type { AppContext } from "./context.js";

export type { ScheduleInfo };

/** `schedule --list`: every job schedule on this Redis. */
export function listSchedules(ctx: Pick<AppContext, "queues">): Promise<ScheduleInfo[]> {
  return new JobSchedules(ctx.queues).list();
}

/** `schedule --remove NAME`: false when no job of that name has a schedule. */
export function removeSchedule(ctx: Pick<AppContext, "queues">, name: string): Promise<boolean> {
  return new JobSchedules(ctx.queues).remove(name);
}

/** `schedule job.json`: registers (or updates) the job's cron schedule; returns its next time, when known. */
export function scheduleJob(ctx: Pick<AppContext, "queues">, name: string, pattern: string, timezone: string, jobFile: string): Promise<number | undefined> {
  return new JobSchedules(ctx.queues).upsert(name, pattern, timezone, jobFile);
}
