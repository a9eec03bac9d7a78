import type { Redis } from "ioredis";
import type { ApiName } from "../connect/readContact.js";
import { RateGovernor } from "../rate/RateGovernor.js";
import type { Keys } from "../store/keys.js";
import type { QuotaSetup } from "./quotaSetup.js";

/**
 * One governor per API for every chunk of this process: quotas are per account, Region and API, and the
 * governor's state is shared through Redis under the quota's scope (known once `setup` is in).
 */
export class Governors {
  readonly byApi = new Map<ApiName, RateGovernor>();

  constructor(
    private readonly opts: { readonly redis: Redis; readonly keys: Keys; readonly rate: number; readonly headroom?: number | undefined },
    private readonly setup: () => Promise<QuotaSetup>,
  ) {}

  of(api: ApiName): RateGovernor {
    let g = this.byApi.get(api);
    if (!g) {
      const later = this.setup().then((s) => ({ key: this.opts.keys.governor(s.scope, api), ...s.settingsFor(api) }));
      g = new RateGovernor({ redis: this.opts.redis, key: "", ceiling: this.opts.rate, headroom: this.opts.headroom ?? 0, later });
      this.byApi.set(api, g);
    }
    return g;
  }

  /** The rate each governor last reported (requests/s), for metrics. */
  rates(): Array<[ApiName, number]> {
    return [...this.byApi].map(([op, g]) => [op, g.rate]);
  }
}
