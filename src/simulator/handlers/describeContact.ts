/**
 * DescribeContact — GET /contacts/{InstanceId}/{ContactId}: the contact as the `Contact` shape of the
 * model. Only members of that shape are sent: the SDK drops unknown members, and a member the real
 * service never sends would let a test pass here that fails against Connect. That is why References are
 * stored but not returned (the Contact shape has no References member; Connect lists them through
 * ListContactReferences, which the simulator does not serve).
 */
import { attributesObject, type StoredContact } from "../ContactStore.js";
import { SIMULATED_ACCOUNT } from "../model.js";
import { errorAnswer, jsonAnswer, type Answer } from "../wire.js";
import { checkLabels, isError, type HandlerContext, type RequestInfo } from "./context.js";

const seconds = (d: Date) => d.getTime() / 1000;

export function contactArn(region: string, contact: StoredContact): string {
  return `arn:aws:connect:${region}:${SIMULATED_ACCOUNT}:instance/${contact.instanceId}/contact/${contact.contactId}`;
}

/** The `Contact` structure on the wire (timestamps as epoch seconds). */
export function describe(contact: StoredContact, region: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Arn: contactArn(region, contact),
    Id: contact.contactId,
    InitialContactId: contact.initialContactId,
    InitiationMethod: contact.initiationMethod,
    Channel: contact.channel,
    InitiationTimestamp: seconds(contact.initiationTimestamp),
    LastUpdateTimestamp: seconds(contact.lastUpdateTimestamp),
    Attributes: attributesObject(contact),
  };
  if (contact.previousContactId !== undefined) out.PreviousContactId = contact.previousContactId;
  if (contact.disconnectTimestamp !== undefined) out.DisconnectTimestamp = seconds(contact.disconnectTimestamp);
  if (contact.name !== undefined) out.Name = contact.name;
  if (contact.description !== undefined) out.Description = contact.description;
  if (contact.segmentAttributes.size > 0) out.SegmentAttributes = structuredClone(Object.fromEntries(contact.segmentAttributes));
  // Output shapes differ from UpdateContact's inputs: QueueInfo{Id}, AgentInfo{Id}, EndpointInfo{Type, Address}.
  if (contact.queueId !== undefined) out.QueueInfo = { Id: contact.queueId };
  if (contact.userId !== undefined) out.AgentInfo = { Id: contact.userId };
  if (contact.customerEndpoint !== undefined) out.CustomerEndpoint = { ...contact.customerEndpoint };
  if (contact.systemEndpoint !== undefined) out.SystemEndpoint = { ...contact.systemEndpoint };
  return out;
}

export function describeContact(ctx: HandlerContext, request: RequestInfo, instanceId: string, contactId: string): Answer {
  const labelError = checkLabels("DescribeContact", instanceId, contactId);
  if (labelError !== undefined) return errorAnswer(labelError);
  const contact = ctx.store.resolve(instanceId, contactId, "DescribeContact");
  if (isError(contact)) return errorAnswer(contact);
  return jsonAnswer(200, { Contact: describe(contact, request.region) });
}
