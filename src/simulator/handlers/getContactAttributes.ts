/** GetContactAttributes — GET /contact/attributes/{InstanceId}/{InitialContactId}. */
import { attributesObject } from "../ContactStore.js";
import { errorAnswer, jsonAnswer, type Answer } from "../wire.js";
import { checkLabels, isError, type HandlerContext } from "./context.js";

export function getContactAttributes(ctx: HandlerContext, instanceId: string, contactId: string): Answer {
  const labelError = checkLabels("GetContactAttributes", instanceId, contactId);
  if (labelError !== undefined) return errorAnswer(labelError);
  const contact = ctx.store.resolve(instanceId, contactId, "GetContactAttributes");
  if (isError(contact)) return errorAnswer(contact);
  return jsonAnswer(200, { Attributes: attributesObject(contact) });
}
