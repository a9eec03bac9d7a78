import type { RunSummary } from "../domain/RunSummary.js";

export type RunEvent = "finished" | "stopped" | "cancelled" | "skipped";

export interface NotifyOptions {
  /** Tries in all (default 3). */
  readonly tries?: number;
  /** Per try (default 10 s): a receiver that hangs must not hold the run's end. */
  readonly timeoutMs?: number;
  /** Before the 2nd, 3rd… try (default 1 s, then 2 s…). */
  readonly backoffMs?: number;
}

export interface NotifyResult {
  readonly ok: boolean;
  readonly tries: number;
  /** The last answer or error, for one log line. */
  readonly detail: string;
}

/**
 * POSTs a run's summary.json to a webhook when the run ends (`event`). A failed
 * notification never fails the run: the result says what happened, the caller
 * logs it. The summary holds counts, codes and line numbers, never attribute values.
 */
export async function notifyWebhook(url: string, event: RunEvent, summary: RunSummary | Record<string, unknown>, opts: NotifyOptions = {}): Promise<NotifyResult> {
  const tries = opts.tries ?? 3;
  const body = JSON.stringify({ event, summary });
  let detail = "";
  for (let i = 1; i <= tries; i++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "connect-backfill" },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      // The body is not needed; reading it frees the socket.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, tries: i, detail: `HTTP ${res.status}` };
      detail = `HTTP ${res.status}`;
      // A 4xx other than 408/429 will not change on a retry.
      if (res.status < 500 && res.status !== 408 && res.status !== 429) return { ok: false, tries: i, detail };
    } catch (err) {
      detail = (err as Error).name === "TimeoutError" ? `no answer within ${(opts.timeoutMs ?? 10_000) / 1000} s` : (err as Error).message;
    }
    if (i < tries) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 1_000) * i));
  }
  return { ok: false, tries, detail };
}
