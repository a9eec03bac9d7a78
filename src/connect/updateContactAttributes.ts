import { UpdateContactAttributesCommand, type ConnectClient } from "@aws-sdk/client-connect";

export interface AttributeUpdate {
  readonly instanceId: string;
  readonly contactId: string;
  readonly attributes: Record<string, string>;
}

/**
 * One UpdateContactAttributes call; errors are thrown as the SDK gives them (see
 * classifyError). `deadlineMs` bounds the whole call: the SDK's requestTimeout is
 * an idle timeout, so headers and then silence, or a body trickled a byte at a
 * time, would otherwise hold a row (and a call slot) for as long as the peer likes.
 */
export async function updateContactAttributes(client: ConnectClient, update: AttributeUpdate, signal?: AbortSignal, deadlineMs?: number): Promise<void> {
  // One controller per call, its listener on the long-lived shutdown signal removed
  // when the call ends: AbortSignal.any would register a dependant on that signal
  // for every call of a multi-day run.
  const call = new AbortController();
  let timedOut = false;
  const onShutdown = () => call.abort(signal?.reason);
  if (signal?.aborted) call.abort(signal.reason);
  else signal?.addEventListener("abort", onShutdown, { once: true });
  const timer = deadlineMs
    ? setTimeout(() => {
        timedOut = true;
        call.abort();
      }, deadlineMs)
    : undefined;
  try {
    await client.send(
      new UpdateContactAttributesCommand({
        InstanceId: update.instanceId,
        InitialContactId: update.contactId,
        Attributes: update.attributes,
      }),
      { abortSignal: call.signal },
    );
  } catch (err) {
    // Our deadline, not a shutdown: a timeout (transient), not a handback.
    if (timedOut && !signal?.aborted) throw Object.assign(new Error(`no complete answer within ${deadlineMs} ms`), { name: "TimeoutError" });
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onShutdown);
  }
}
