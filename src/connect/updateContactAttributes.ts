import { UpdateContactAttributesCommand, type ConnectClient } from "@aws-sdk/client-connect";

export interface AttributeUpdate {
  readonly instanceId: string;
  readonly contactId: string;
  readonly attributes: Record<string, string>;
}

/** One UpdateContactAttributes call; errors are thrown as the SDK gives them (see classifyError). */
export async function updateContactAttributes(client: ConnectClient, update: AttributeUpdate, signal?: AbortSignal): Promise<void> {
  await client.send(
    new UpdateContactAttributesCommand({
      InstanceId: update.instanceId,
      InitialContactId: update.contactId,
      Attributes: update.attributes,
    }),
    signal ? { abortSignal: signal } : {},
  );
}
