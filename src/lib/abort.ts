/** The error a stopped wait rejects with: callers tell a stop from a fault by its name. */
export function abortError(): Error {
  const err = new Error("aborted");
  err.name = "AbortError";
  return err;
}

/** `p`, or an AbortError as soon as `signal` fires; the listener is removed either way (long runs, many calls). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = () => reject(abortError());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
