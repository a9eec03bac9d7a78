/**
 * UpdateContact — POST /contacts/{InstanceId}/{ContactId}: Name, Description, References and
 * SegmentAttributes for any contact, ongoing or completed; QueueInfo, UserInfo and the endpoints only
 * for external audio contacts.
 */
import type { Reference, StoredContact } from "../ContactStore.js";
import { serviceError, type ServiceError } from "../errors.js";
import { CONTACT_LIMITS } from "../model.js";
import { utf8Bytes } from "../validateUpdate.js";
import { externalAudioOnly, validateUpdateContact, type ValidContactUpdate } from "../validateUpdateContact.js";
import { errorAnswer, jsonAnswer, type Answer } from "../wire.js";
import { checkLabels, isError, type parseJson, type HandlerContext } from "./context.js";

/**
 * The model documents QueueInfo, UserInfo, CustomerEndpoint and SystemEndpoint as "can only be updated
 * for external audio contacts" (Contact Lens integration) without saying how such a contact looks in
 * DescribeContact. The simulator's rule: a VOICE contact initiated EXTERNAL_OUTBOUND (the model's
 * ContactInitiationMethod for calls placed by an external system). Seed one with those two fields.
 */
export function isExternalAudio(contact: StoredContact): boolean {
  return contact.channel === "VOICE" && contact.initiationMethod === "EXTERNAL_OUTBOUND";
}

/** Reference shape documentation: "up to 4,096 UTF-8 bytes across all references for a contact" (keys and values counted). */
function referencesAfter(contact: StoredContact, given: Record<string, Reference>): ServiceError | undefined {
  const merged = new Map(contact.references);
  for (const [k, v] of Object.entries(given)) merged.set(k, v);
  let bytes = 0;
  for (const [k, v] of merged) bytes += utf8Bytes(k) + utf8Bytes(v.Value ?? "");
  if (bytes <= CONTACT_LIMITS.referencesTotalBytesMax) return undefined;
  return serviceError(
    "InvalidParameterException",
    `Contact ${contact.contactId} would hold ${bytes} bytes of references; the limit is ${CONTACT_LIMITS.referencesTotalBytesMax}.`,
  );
}

function apply(contact: StoredContact, u: ValidContactUpdate, now: number): void {
  if (u.name !== undefined) contact.name = u.name;
  if (u.description !== undefined) contact.description = u.description;
  // Maps merge per key, as attributes do: keys not sent are kept.
  for (const [k, v] of Object.entries(u.references ?? {})) contact.references.set(k, v);
  for (const [k, v] of Object.entries(u.segmentAttributes ?? {})) contact.segmentAttributes.set(k, v);
  if (u.queueId !== undefined) contact.queueId = u.queueId;
  if (u.userId !== undefined) contact.userId = u.userId;
  if (u.customerEndpoint !== undefined) contact.customerEndpoint = u.customerEndpoint;
  if (u.systemEndpoint !== undefined) contact.systemEndpoint = u.systemEndpoint;
  contact.lastUpdateTimestamp = new Date(now);
}

/** The update in wire member names, for the accepted log. */
function wireFields(u: ValidContactUpdate): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (u.name !== undefined) out.Name = u.name;
  if (u.description !== undefined) out.Description = u.description;
  if (u.references !== undefined) out.References = u.references;
  if (u.segmentAttributes !== undefined) out.SegmentAttributes = u.segmentAttributes;
  if (u.queueId !== undefined) out.QueueInfo = { Id: u.queueId };
  if (u.userId !== undefined) out.UserInfo = { UserId: u.userId };
  if (u.customerEndpoint !== undefined) out.CustomerEndpoint = u.customerEndpoint;
  if (u.systemEndpoint !== undefined) out.SystemEndpoint = u.systemEndpoint;
  return structuredClone(out);
}

export function updateContact(ctx: HandlerContext, instanceId: string, contactId: string, parsed: ReturnType<typeof parseJson>): Answer {
  const labelError = checkLabels("UpdateContact", instanceId, contactId);
  if (labelError !== undefined) return errorAnswer(labelError);
  if (!parsed.ok) return errorAnswer(parsed.error);
  const checked = validateUpdateContact(parsed.value);
  if (!checked.ok) return errorAnswer(checked.error);
  const update = checked.value;
  const contact = ctx.store.resolve(instanceId, contactId, "UpdateContact");
  if (isError(contact)) return errorAnswer(contact);
  const externalOnly = externalAudioOnly(update);
  if (externalOnly.length > 0 && !isExternalAudio(contact)) {
    return errorAnswer(
      serviceError(
        "InvalidRequestException",
        `${externalOnly.join(", ")} can only be updated for external audio contacts; contact ${contactId} is ${contact.channel} ${contact.initiationMethod}.`,
      ),
    );
  }
  if (update.references !== undefined) {
    const refused = referencesAfter(contact, update.references);
    if (refused !== undefined) return errorAnswer(refused);
  }
  const now = ctx.now();
  apply(contact, update, now);
  ctx.log.push({ operation: "UpdateContact", instanceId, contactId, attributes: {}, fields: wireFields(update), at: now });
  return jsonAnswer(200, {});
}
