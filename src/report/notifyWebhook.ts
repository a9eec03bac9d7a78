import { createHmac } from "node:crypto";

/** `paused`: the night waits for a person (its guards, or a canary): told once, when it pauses; its end is told too. */
export type RunEvent = "finished" | "stopped" | "cancelled" | "skipped" | "not-started" | "paused";

/** The header a receiver checks: `sha256=<hex HMAC-SHA256 of the raw body, keyed with the shared secret>`. */
export const SIGNATURE_HEADER = "x-connect-backfill-signature";

export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface NotifyOptions {
  /** Tries in all (default 3). */
  readonly tries?: number;
  /** Per try (default 10 s): a receiver that hangs must not hold the run's end. */
  readonly timeoutMs?: number;
  /** Before the 2nd, 3rd… try (default 1 s, then 2 s…). */
  readonly backoffMs?: number;
  /** A shared secret: the body's HMAC goes in SIGNATURE_HEADER, so the receiver knows who sent it. */
  readonly secret?: string | undefined;
}

export interface NotifyResult {
  readonly ok: boolean;
  readonly tries: number;
  /** The last answer or error, for one log line. */
  readonly detail: string;
}

/**
 * POSTs how a job's night ended (its event, verdict, exit code, a `text` line for
 * Slack-compatible receivers and the run's summary.json) to a webhook. A failed
 * notification never fails the run: the result says what happened, the caller
 * logs it. The body holds counts, codes and line numbers, never attribute values.
 */
export async function notifyWebhook(url: string, message: Readonly<Record<string, unknown>>, opts: NotifyOptions = {}): Promise<NotifyResult> {
  const tries = opts.tries ?? 3;
  const body = JSON.stringify(message);
  const signed: Record<string, string> = opts.secret ? { [SIGNATURE_HEADER]: signatureOf(body, opts.secret) } : {};
  let detail = "";
  for (let i = 1; i <= tries; i++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "connect-backfill", ...signed },
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
