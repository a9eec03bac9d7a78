import type { Redis } from "ioredis";
import type { ApiName } from "../connect/readContact.js";
import { RateGovernor } from "../rate/RateGovernor.js";
import type { Keys } from "../store/keys.js";

/** One governor per API for every chunk of this process: quotas are per API, and the governor's state is shared through Redis. */
export class Governors {
  readonly byApi = new Map<ApiName, RateGovernor>();

  constructor(private readonly opts: { readonly redis: Redis; readonly keys: Keys; readonly rate: number; readonly headroom?: number | undefined }) {}

  of(api: ApiName): RateGovernor {
    let g = this.byApi.get(api);
    if (!g) {
      g = new RateGovernor({ redis: this.opts.redis, key: this.opts.keys.governor(api), ceiling: this.opts.rate, headroom: this.opts.headroom ?? 0 });
      this.byApi.set(api, g);
    }
    return g;
  }

  /** The rate each governor last reported (requests/s), for metrics. */
  rates(): Array<[ApiName, number]> {
    return [...this.byApi].map(([op, g]) => [op, g.rate]);
  }
}
