import type { RunQueues } from "./RunQueues.js";

/** The queue BullMQ's job schedulers put a job's due times in; every `work` process takes them. */
export const SCHEDULES_QUEUE = "schedules";

/** What a due time carries: the job file to run (read again when due), and the run it started (after a crash). */
export interface ScheduleData {
  readonly name: string;
  readonly jobFile: string;
  readonly runId?: string;
}

export interface ScheduleInfo {
  readonly name: string;
  readonly pattern: string | undefined;
  readonly timezone: string | undefined;
  /** Epoch ms of the next due time. */
  readonly next: number | undefined;
  readonly jobFile: string | undefined;
}

/**
 * A job's cron schedule, held by BullMQ's job schedulers (one per job name, so
 * registering a job again updates it). BullMQ makes one delayed job per due time,
 * whichever processes are up: a schedule outlives every process.
 */
export class JobSchedules {
  constructor(private readonly queues: RunQueues) {}

  private get queue() {
    return this.queues.named(SCHEDULES_QUEUE);
  }

  async upsert(name: string, pattern: string, timezone: string, jobFile: string): Promise<number | undefined> {
    const data: ScheduleData = { name, jobFile };
    const next = await this.queue.upsertJobScheduler(
      name,
      { pattern, tz: timezone },
      { name: "job", data, opts: { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } } },
    );
    const at = next?.timestamp !== undefined && next.opts.delay !== undefined ? next.timestamp + next.opts.delay : undefined;
    return at;
  }

  async list(): Promise<ScheduleInfo[]> {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all.map((s) => ({
      name: s.key,
      pattern: s.pattern,
      timezone: s.tz,
      next: s.next,
      jobFile: (s.template?.data as ScheduleData | undefined)?.jobFile,
    }));
  }

  async remove(name: string): Promise<boolean> {
    return this.queue.removeJobScheduler(name);
  }
}
