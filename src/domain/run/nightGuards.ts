/**
 * A job's bounds on a night (the job file's `guards`), judged once, when the night's run is made, before
 * anything is sent: a breached bound makes the run paused, as a canary does, so a person decides.
 */
export interface NightGuards {
  /** Fewer rows than this pauses the night. */
  readonly minRows?: number;
  /** A row count further than this share from the median of the job's earlier nights pauses (0.5: within 50%). */
  readonly rowCountDeviation?: number;
  /** A changed share more than this many points above the job's usual one pauses (0.2: 1% usual, more than 21% tonight). */
  readonly changedShareAbove?: number;
  /** A share of invalid rows above this pauses (0.05: more than 5%). */
  readonly maxInvalidShare?: number;
  /** How many of the job's earlier finished nights make its median and its usual share (default 7). */
  readonly nights?: number;
}

export const DEFAULT_GUARD_NIGHTS = 7;

/** What the judging pass counted in tonight's input. */
export interface NightCount {
  /** Rows of the file (valid and invalid). */
  readonly rows: number;
  readonly invalid: number;
  /** Rows that pass the row check (what would be queued). */
  readonly valid: number;
  /** Valid rows whose contact's values differ from what the job's change memory holds (a contact it does not hold counts). */
  readonly changed: number;
  /** Valid rows whose contact the memory holds at all. */
  readonly known: number;
  /** False under `--forget` (the memory is started again: every row is sent once, by design). */
  readonly memoryUsed: boolean;
}

/** One earlier finished night of the job, as its history keeps it (newest first). */
export interface EarlierNight {
  readonly rows: number;
  /** Absent or null: the night had no changed share (not judged, or its memory was new). */
  readonly changedShare?: number | null | undefined;
}

export type GuardName = "minRows" | "rowCountDeviation" | "changedShareAbove" | "maxInvalidShare";

export interface NightCheck {
  readonly bound: GuardName;
  readonly result: "within" | "breached" | "not-checked";
  /** The figures and the bound, as a person reads them. */
  readonly text: string;
}

/** A night as judged when its run was made: kept in the run's manifest, shown by summary.json (`night`), the history and the webhook. */
export interface NightReading {
  readonly rows: number;
  readonly invalid: number;
  readonly invalidShare: number;
  readonly changed: number;
  /** Null when it means nothing: the memory is new (the job's first night), `--forget`, or no valid row. */
  readonly changedShare: number | null;
  /** How many earlier finished nights the median and the usual share were taken over. */
  readonly nights: number;
  readonly medianRows?: number;
  readonly usualChangedShare?: number;
  readonly checks: readonly NightCheck[];
  /** The breached bounds with their numbers, one sentence (without the run's advice): absent within every bound. */
  readonly breach?: string;
}

/** 0.6 → "60%", 0.005 → "0.5%", 1/3 → "33.3%". */
export function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

const count = (n: number) => n.toLocaleString("en-US");
const nightsSaid = (n: number) => (n === 1 ? "the last night" : `the last ${n} nights`);

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Pure. Judges tonight's counts against the guards and the job's earlier finished nights (newest first; only the
 * first `guards.nights` count). A bound without the figures it needs (no earlier night, a new memory) is
 * `not-checked`, never breached.
 */
export function judgeNight(guards: NightGuards, tonight: NightCount, earlier: readonly EarlierNight[]): NightReading {
  const past = earlier.slice(0, guards.nights ?? DEFAULT_GUARD_NIGHTS);
  const medianRows = median(past.map((n) => n.rows));
  const shares = past.map((n) => n.changedShare).filter((s): s is number => typeof s === "number");
  const usual = median(shares);
  const invalidShare = tonight.rows > 0 ? tonight.invalid / tonight.rows : 0;
  // A memory that holds none of tonight's contacts while no earlier night had a share is a new one (the first
  // night): its 100% is no figure. Once the job has a usual share, a night of unknown contacts is 100% changed.
  const fresh = tonight.known === 0 && usual === undefined;
  const changedShare = !tonight.memoryUsed || tonight.valid === 0 || fresh ? null : tonight.changed / tonight.valid;
  const checks: NightCheck[] = [];
  const add = (bound: GuardName, result: NightCheck["result"], text: string) => checks.push({ bound, result, text });

  if (guards.minRows !== undefined) {
    const under = tonight.rows < guards.minRows;
    add("minRows", under ? "breached" : "within", `${count(tonight.rows)} rows${under ? ", fewer than" : ", at least"} the floor of ${count(guards.minRows)}`);
  }
  if (guards.rowCountDeviation !== undefined) {
    const bound = `(bound: within ${percent(guards.rowCountDeviation)})`;
    if (medianRows === undefined) add("rowCountDeviation", "not-checked", "row count not checked yet: the job has no earlier finished night");
    else if (medianRows === 0) add("rowCountDeviation", "not-checked", `row count not checked: ${nightsSaid(past.length)} had a median of 0 rows`);
    else {
      const off = Math.abs(tonight.rows - medianRows) / medianRows > guards.rowCountDeviation;
      const had = past.length === 1 ? `the last night had ${count(medianRows)}` : `${nightsSaid(past.length)} had a median of ${count(medianRows)}`;
      add("rowCountDeviation", off ? "breached" : "within", `${count(tonight.rows)} rows where ${had} ${bound}`);
    }
  }
  if (guards.changedShareAbove !== undefined) {
    const points = `at most ${Number((guards.changedShareAbove * 100).toFixed(1))} points above it`;
    if (!tonight.memoryUsed) add("changedShareAbove", "not-checked", "changed share not checked: --forget sends every row once");
    else if (changedShare === null || usual === undefined)
      add(
        "changedShareAbove",
        "not-checked",
        usual === undefined
          ? "changed share not checked yet: no earlier night of the job has one (its change memory is new)"
          : "changed share not checked: no valid row",
      );
    else {
      const over = changedShare > usual + guards.changedShareAbove;
      const measured = shares.length === 1 ? "the last measured night" : `the median of the last ${shares.length} measured nights`;
      add(
        "changedShareAbove",
        over ? "breached" : "within",
        `${percent(changedShare)} of rows changed (${count(tonight.changed)} of ${count(tonight.valid)}) where the usual share is ${percent(usual)} (${measured}; bound: ${points})`,
      );
    }
  }
  if (guards.maxInvalidShare !== undefined) {
    const over = invalidShare > guards.maxInvalidShare;
    add(
      "maxInvalidShare",
      over ? "breached" : "within",
      `${percent(invalidShare)} of rows invalid (${count(tonight.invalid)} of ${count(tonight.rows)}) (bound: at most ${percent(guards.maxInvalidShare)})`,
    );
  }
  const breached = checks.filter((c) => c.result === "breached").map((c) => c.text);
  return {
    rows: tonight.rows,
    invalid: tonight.invalid,
    invalidShare,
    changed: tonight.changed,
    changedShare,
    nights: past.length,
    ...(medianRows !== undefined ? { medianRows } : {}),
    ...(usual !== undefined ? { usualChangedShare: usual } : {}),
    checks,
    ...(breached.length > 0 ? { breach: `night paused before its first call: ${breached.join("; and ")}` } : {}),
  };
}

/** The sentence a guard's pause leaves in the run: the breach, then how to look, how to go on, how to stop. */
export function guardPauseReason(runId: string, breach: string): string {
  return (
    `${breach}; run ${runId} is paused: look at it with "connect-backfill status ${runId}", ` +
    `send it with "connect-backfill resume ${runId}" (it says what to run next), or drop it with "connect-backfill cancel ${runId}"`
  );
}

/** One line of a night's figures, for the dry run, the summary and the log. */
export function nightFigures(n: Pick<NightReading, "rows" | "invalidShare" | "changedShare" | "medianRows" | "usualChangedShare" | "nights">): string {
  const median = n.medianRows !== undefined ? ` (median of ${nightsSaid(n.nights)}: ${count(n.medianRows)})` : "";
  const changed = n.changedShare === null ? "not known" : percent(n.changedShare);
  const usual = n.usualChangedShare !== undefined ? ` (usual ${percent(n.usualChangedShare)})` : "";
  return `${count(n.rows)} rows${median}, changed ${changed}${usual}, invalid ${percent(n.invalidShare)}`;
}
