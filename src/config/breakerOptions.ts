import { ConfigError } from "./ConfigError.js";
import { option, QUEUEING_COMMANDS } from "./Option.js";
import { positiveWhole } from "./optionChecks.js";

/** When the circuit breaker stops a run: each run keeps the values it was queued with. */
export const BREAKER_OPTIONS = {
  /** Circuit breaker: stop when more than `breakerRatio` of the last `breakerWindow` rows sent failed. */
  breakerWindow: option({
    flag: "breaker-window",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_BREAKER_WINDOW",
    default: 1000,
    unit: "rows",
    help: "circuit breaker: the last N rows sent (default {default})",
    doc: "rows the circuit breaker looks at",
    commands: QUEUEING_COMMANDS,
    parse: positiveWhole,
  }),
  breakerRatio: option({
    flag: "breaker-ratio",
    type: "number",
    value: "F",
    env: "CONNECT_BACKFILL_BREAKER_RATIO",
    default: 0.5,
    help: "circuit breaker: more than this share of them failed stops the run (default {default})",
    doc: "share of them failing (more than) that stops the run",
    commands: QUEUEING_COMMANDS,
    parse: (v) => {
      if (!(v > 0 && v <= 1)) throw new ConfigError(`--breaker-ratio must be above 0 and at most 1, got ${v}`);
      return v;
    },
  }),
  /** Rows failing with credential errors (401/403: expired, revoked, denied) that stop a run at once. */
  breakerAuth: option({
    flag: "breaker-auth",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_BREAKER_AUTH",
    default: 5,
    unit: "rows",
    help: "circuit breaker: rows failed with credential errors that stop the run (default {default})",
    doc: "rows failing with credential errors that stop the run",
    commands: QUEUEING_COMMANDS,
    parse: positiveWhole,
  }),
  /** Consecutive rows failing without a service answer (refused, DNS, TLS, timeouts, 5xx) that stop a run. */
  breakerConsecutive: option({
    flag: "breaker-consecutive",
    type: "number",
    value: "N",
    env: "CONNECT_BACKFILL_BREAKER_CONSECUTIVE",
    default: 25,
    unit: "rows",
    help: "circuit breaker: rows in a row without a service answer that stop the run (default {default})",
    doc: "rows in a row without a service answer that stop the run",
    commands: QUEUEING_COMMANDS,
    parse: positiveWhole,
  }),
  /** Error codes the breaker leaves out (expected failures, such as many deleted contacts). */
  breakerIgnore: option({
    flag: "breaker-ignore",
    type: "string",
    value: "CODE[,CODE]",
    env: "CONNECT_BACKFILL_BREAKER_IGNORE",
    default: "",
    help: "error codes the circuit breaker leaves out (default none)",
    doc: "error codes the breaker leaves out, comma-separated",
    docDefault: "–",
    commands: QUEUEING_COMMANDS,
    parse: (v): readonly string[] => {
      const codes = v
        .split(",")
        .map((c) => c.trim())
        .filter((c) => c !== "");
      const bad = codes.find((c) => !/^[A-Za-z0-9_.:-]{1,100}$/.test(c));
      if (bad !== undefined) throw new ConfigError(`--breaker-ignore takes error codes separated by commas (such as ResourceNotFoundException), got "${bad}"`);
      return Object.freeze(codes);
    },
  }),
};
