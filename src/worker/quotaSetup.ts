import type { ConnectClient } from "@aws-sdk/client-connect";
import type { ApiName } from "../connect/readContact.js";
import { type AccountQuotas, type NoQuotas, rateQuotaName, readConnectQuotas } from "../connect/serviceQuotas.js";
import type { RunTarget } from "../domain/run/manifest.js";
import type { Logger } from "../log/createLogger.js";
import { scopeOf } from "../rate/quotaScope.js";

export interface QuotaSetupOptions {
  readonly client: ConnectClient;
  readonly log: Logger;
  /** The ceiling: `--rate`, or its default when not given. */
  readonly rate: number;
  /** `--rate` (or its variable, or the job's key) was given: it wins over the account's quota. */
  readonly rateGiven: boolean;
  /** The Connect endpoint when it is not AWS's own (the simulator). */
  readonly endpoint: string | undefined;
  /** As the command's configuration says it (recorded in each run; its scope is where status looks). */
  readonly target: RunTarget;
  /** AWS_ENDPOINT_URL_SERVICE_QUOTAS: for a custom Connect endpoint, Service Quotas is asked only when this says where. */
  readonly quotasEndpoint: string | undefined;
  /** Records the scope the target's workers use (status and the dry run read it). */
  readonly record: (target: string, scope: string) => Promise<void>;
  /** Tests give their own; Service Quotas through the SDK otherwise. */
  readonly readQuotas?: typeof readConnectQuotas;
}

/** What a process knows of its quota once it starts. */
export interface QuotaSetup {
  readonly scope: string;
  /** The ceiling and slow start's first share for an API; says once (per API) what was found. */
  settingsFor(api: ApiName): { ceiling: number; start: number };
}

/** Slow start's first share of a ceiling that is the account's stated quota: near it, not an eighth of it. */
const KNOWN_START = 0.8;

/**
 * Once per process: the quota's scope (account and Region, or the custom endpoint) and, without `--rate`,
 * the account's applied quotas from Service Quotas. Never fails: no answer is one warning, then `--rate`'s default.
 */
export async function quotaSetup(opts: QuotaSetupOptions): Promise<QuotaSetup> {
  const region = (await opts.client.config.region().catch(() => undefined)) ?? opts.target.region;
  const custom = opts.endpoint !== undefined;
  // A custom Connect endpoint is not the account's Connect: its quota is asked where AWS_ENDPOINT_URL_SERVICE_QUOTAS says, or nowhere.
  const ask = !custom || opts.quotasEndpoint !== undefined;
  const found: AccountQuotas | NoQuotas | undefined = ask ? await (opts.readQuotas ?? readConnectQuotas)({ endpoint: opts.quotasEndpoint, region }) : undefined;
  const quotas = found && "byName" in found ? found : undefined;
  const scope = scopeOf({ endpoint: opts.endpoint, region, account: quotas?.account });
  await opts.record(scopeOf({ endpoint: opts.target.endpoint, region: opts.target.region }), scope).catch(() => undefined);
  const fallback = `pacing at most ${opts.rate}/s, --rate's default (give --rate to set it)`;
  if (!opts.rateGiven) {
    if (found && "error" in found)
      opts.log.warn({ scope }, `the account's Connect quotas could not be read (${found.error}); allow servicequotas:ListServiceQuotas to pace at them; ${fallback}`);
    else if (!found) opts.log.info({ scope }, `custom endpoint: the account's quotas not asked (AWS_ENDPOINT_URL_SERVICE_QUOTAS says where to ask); ${fallback}`);
  }
  const said = new Set<ApiName>();
  return {
    scope,
    settingsFor(api) {
      const quota = quotas?.byName.get(rateQuotaName(api));
      const first = !said.has(api);
      said.add(api);
      if (opts.rateGiven || !quotas) return { ceiling: opts.rate, start: 0.125 };
      if (quota === undefined) {
        if (first) opts.log.warn({ scope, operation: api }, `Service Quotas names no "${rateQuotaName(api)}" for ${scope}; ${fallback}`);
        return { ceiling: opts.rate, start: 0.125 };
      }
      if (first)
        opts.log.info({ scope, operation: api, quota }, `${api}: the account's quota is ${quota}/s in ${scope} (Service Quotas); pacing up to it, starting near it`);
      return { ceiling: quota, start: KNOWN_START };
    },
  };
}
