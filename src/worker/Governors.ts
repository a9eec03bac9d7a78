import type { ConnectClient } from "@aws-sdk/client-connect";
import type { ApiName } from "../connect/readContact.js";
import { RateGovernor } from "../rate/RateGovernor.js";
import type { BackfillWorkerOptions } from "./BackfillWorkerOptions.js";
import { type QuotaSetup, type QuotaSetupOptions, quotaSetup } from "./quotaSetup.js";

/**
 * One governor per API for every chunk of this process: quotas are per account, Region and API, and the
 * governor's state is shared through Redis under the quota's scope (known once `setup` is in).
 */
export class Governors {
  readonly byApi = new Map<ApiName, RateGovernor>();
  /** The quota's scope and the account's quotas, read once when the first governor is made. */
  private settings: Promise<QuotaSetup> | undefined;

  private readonly quota: Omit<QuotaSetupOptions, "client">;

  /** `client`: the worker's, asked for when the first governor is made (the quota's Region is the client's). */
  constructor(
    private readonly opts: BackfillWorkerOptions,
    private readonly client: () => ConnectClient,
    record: QuotaSetupOptions["record"],
  ) {
    this.quota = {
      log: opts.log,
      rate: opts.rate,
      rateGiven: opts.rateGiven ?? true,
      // The SDK's own AWS_ENDPOINT_URL_CONNECT counts too (the target holds it): that endpoint is not AWS's.
      endpoint: opts.endpoint ?? opts.target.endpoint,
      target: opts.target,
      quotasEndpoint: opts.quotasEndpoint,
      record,
      ...(opts.readQuotas ? { readQuotas: opts.readQuotas } : {}),
    };
  }

  private setup(): Promise<QuotaSetup> {
    this.settings ??= quotaSetup({ ...this.quota, client: this.client() });
    return this.settings;
  }

  of(api: ApiName): RateGovernor {
    let g = this.byApi.get(api);
    if (!g) {
      const later = this.setup().then((s) => ({ key: this.opts.keys.governor(s.scope, api), ...s.settingsFor(api) }));
      g = new RateGovernor({ redis: this.opts.redis, key: "", ceiling: this.opts.rate, headroom: this.opts.headroom ?? 0, later });
      this.byApi.set(api, g);
    }
    return g;
  }

  private readonly paces = new Map<string, RateGovernor>();

  /**
   * A run's own pace (RunManifest.rate), shared by every worker of the run through Redis: the account's governor
   * caps all callers at the highest of their rates, so a worker at 10/s taking a run made at 2/s needs the run's own.
   * At its rate from the first call (no slow start: the account's governor does the finding out).
   */
  paceOf(runId: string, rate: number): RateGovernor {
    let p = this.paces.get(runId);
    if (!p || p.cap !== rate) this.paces.set(runId, (p = new RateGovernor({ redis: this.opts.redis, key: this.opts.keys.pace(runId), ceiling: rate, start: 1 })));
    return p;
  }

  /** The rate each governor last reported (requests/s), for metrics. */
  rates(): Array<[ApiName, number]> {
    return [...this.byApi].map(([op, g]) => [op, g.rate]);
  }
}
