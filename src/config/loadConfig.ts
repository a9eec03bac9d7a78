import { tmpdir } from "node:os";
import { join } from "node:path";
import { isS3Url, parseS3Url } from "../lib/s3Url.js";
import { ConfigError } from "./ConfigError.js";
import type { FlagType, OptionSpec, ParseContext } from "./Option.js";
import { hasHashTag, parseBoolEnv, validateRunId } from "./optionChecks.js";
import { type ConfigFlags, OPTION_LIST, type OptionValues } from "./options.js";

export type { ConfigFlags } from "./options.js";
export type { InputFormat } from "./runOptions.js";
export { hasHashTag, parseDateFlag, validateRunId } from "./optionChecks.js";

/** Everything a command needs, merged once from defaults, environment and flags: one field per option (config/options.ts), and what follows from them. */
export interface Config extends OptionValues {
  /**
   * Where calls go, as far as the operator said (flags, else the AWS SDK's own
   * variables): recorded in each queued run, and compared by workers, so a
   * worker aimed at the simulator never works a run meant for AWS.
   */
  readonly target: { readonly endpoint: string | undefined; readonly region: string | undefined };
  /** `work --run-id A,B`: only these runs. Empty: every run on the prefix. */
  readonly onlyRuns: readonly string[];
  /**
   * The flags the operator gave (command line or job file), not defaults or the
   * environment: a command on an existing run refuses one that disagrees with the
   * run, and takes the run's own value for everything else.
   */
  readonly given: ReadonlyMap<string, string | number | boolean>;
  /**
   * `--reports-dir s3://bucket/prefix`: where each report's files are uploaded
   * (under `<prefix>/<runId>/`). `reportsDir` is then the local folder where they
   * are written first and the spool stays (reportsDirForS3).
   */
  readonly reportsUpload: string | undefined;
  /** Where Service Quotas answers: AWS_ENDPOINT_URL_SERVICE_QUOTAS, as the AWS SDK reads it. */
  readonly quotasEndpoint: string | undefined;
}

/**
 * The local folder of reports bound for S3: the spool (the outcomes moved out
 * of Redis) must stay where the report writer runs, and a container's temporary
 * folder is what it has. The same URL always maps to the same folder, so a
 * `report` on that host finds the spool again.
 */
export function reportsDirForS3(url: string): string {
  const { bucket, key } = parseS3Url(url);
  return join(tmpdir(), "connect-backfill-reports", bucket, ...key.split("/").filter((p) => p !== "" && p !== "." && p !== ".."));
}

type Given = string | number | boolean | undefined;

/** An environment variable's text as the option's type; empty or unset numbers fall back to the default. */
function fromEnv(spec: OptionSpec, env: NodeJS.ProcessEnv): Given {
  const name = spec.env;
  const raw = name === undefined ? undefined : env[name];
  if (name === undefined || raw === undefined) return undefined;
  if (spec.fromEnv) return spec.fromEnv(raw, name);
  const read: Record<FlagType, () => Given> = {
    string: () => raw,
    boolean: () => parseBoolEnv(name, raw),
    number: () => {
      if (raw === "") return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got "${raw}"`);
      return n;
    },
  };
  return read[spec.type]();
}

/** The only reader of `process.env` in the project (apart from the AWS SDK, which reads its own: AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_CONNECT, ...). */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, opts: { interactive?: boolean; runIdList?: boolean } = {}): Config {
  const given = flags as Readonly<Record<string, Given>>;
  const onlyRuns = opts.runIdList
    ? (flags["run-id"] ?? "")
        .split(",")
        .map((r) => r.trim())
        .filter((r) => r !== "")
        .map((r) => validateRunId(r))
    : [];
  const values: Record<string, unknown> = {};
  for (const spec of OPTION_LIST) {
    const ctx: ParseContext = { flag: spec.flag, flags: given, env, interactive: opts.interactive === true, runIdList: opts.runIdList === true };
    const value = given[spec.flag] ?? fromEnv(spec, env) ?? (spec.default as Given);
    values[spec.key] = (spec.parse as (v: Given, c: ParseContext) => unknown)(value, ctx);
  }
  const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());
  const config = {
    ...(values as unknown as OptionValues),
    target: Object.freeze({
      endpoint: nonEmpty(flags.endpoint) ?? nonEmpty(env.AWS_ENDPOINT_URL_CONNECT) ?? nonEmpty(env.AWS_ENDPOINT_URL),
      region: nonEmpty(flags.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    }),
    onlyRuns: Object.freeze(onlyRuns),
    ...(isS3Url(String(values.reportsDir))
      ? { reportsDir: reportsDirForS3(String(values.reportsDir)), reportsUpload: String(values.reportsDir) }
      : { reportsUpload: undefined }),
    given: new Map(Object.entries(given).filter((e): e is [string, string | number | boolean] => e[1] !== undefined)),
    // Only where it is named: AWS_ENDPOINT_URL is the shell's Connect endpoint, and a run aimed elsewhere must not ask it.
    quotasEndpoint: nonEmpty(env.AWS_ENDPOINT_URL_SERVICE_QUOTAS),
  } satisfies Config;
  checkTogether(config);
  return Object.freeze(config);
}

/** Rules between options, said after each option's own. */
function checkTogether(config: Config): void {
  if (config.redisCluster && !hasHashTag(config.prefix)) {
    throw new ConfigError(
      `--redis-cluster needs a --prefix with a hash tag, such as {${config.prefix.replace(/[{}]/g, "") || "cb"}}, so every key lands in one hash slot; got "${config.prefix}"`,
    );
  }
  if (config.captureBefore && config.operation !== "UpdateContactAttributes") {
    throw new ConfigError(
      `--capture-before works with UpdateContactAttributes only: Connect has no read of a contact's references, so an ${config.operation} run could not be rolled back`,
    );
  }
  if (config.dryRun && config.canary !== undefined) throw new ConfigError("--dry-run sends nothing, so --canary has nothing to pause: give one or the other");
  if ((config.onlyChanged || config.forget || config.notify) && !config.jobName) {
    const flag = config.onlyChanged ? "--only-changed" : config.forget ? "--forget" : "--notify";
    throw new ConfigError(`${flag} needs a job: run a job file, or give --job-name NAME (its memory, history and webhook are the job's)`);
  }
}
