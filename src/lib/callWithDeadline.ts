/**
 * Makes one SDK call (`call` sends with the abort signal it is given); errors are thrown as the SDK gives them (see
 * classifyError). `deadlineMs` bounds the whole call: the SDK's requestTimeout is
 * an idle timeout, so headers and then silence, or a body trickled a byte at a
 * time, would otherwise hold a row (and a call slot) for as long as the peer likes.
 */
export async function callWithDeadline<T>(call: (abortSignal: AbortSignal) => Promise<T>, signal?: AbortSignal, deadlineMs?: number): Promise<T> {
  // One controller per call, its listener on the long-lived shutdown signal removed
  // when the call ends: AbortSignal.any would register a dependant on that signal
  // for every call of a multi-day run.
  const ctl = new AbortController();
  let timedOut = false;
  const onShutdown = () => ctl.abort(signal?.reason);
  if (signal?.aborted) ctl.abort(signal.reason);
  else signal?.addEventListener("abort", onShutdown, { once: true });
  const timer = deadlineMs
    ? setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, deadlineMs)
    : undefined;
  try {
    return await call(ctl.signal);
  } catch (err) {
    // Our deadline, not a shutdown: a timeout (transient), not a handback.
    if (timedOut && !signal?.aborted) throw Object.assign(new Error(`no complete answer within ${deadlineMs} ms`), { name: "TimeoutError" });
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onShutdown);
  }
}
