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
  const deadline = deadlineMs ? AbortSignal.timeout(deadlineMs) : undefined;
  const abortSignal = deadline && signal ? AbortSignal.any([signal, deadline]) : (deadline ?? signal);
  try {
    await client.send(
      new UpdateContactAttributesCommand({
        InstanceId: update.instanceId,
        InitialContactId: update.contactId,
        Attributes: update.attributes,
      }),
      abortSignal ? { abortSignal } : {},
    );
  } catch (err) {
    // Our deadline, not a shutdown: a timeout (transient), not a handback.
    if (deadline?.aborted && !signal?.aborted) throw Object.assign(new Error(`no complete answer within ${deadlineMs} ms`), { name: "TimeoutError" });
    throw err;
  }
}
