/** UpdateContactAttributes — POST /contact/attributes: merge attributes into a contact. */
import { jsonAnswer, errorAnswer, type Answer } from "../wire.js";
import { validateUpdate } from "../validateUpdate.js";
import { isError, type parseJson, type HandlerContext } from "./context.js";

export function updateContactAttributes(ctx: HandlerContext, parsed: ReturnType<typeof parseJson>): Answer {
  if (!parsed.ok) return errorAnswer(parsed.error);
  const checked = validateUpdate(parsed.value);
  if (!checked.ok) return errorAnswer(checked.error);
  const { instanceId, contactId, attributes } = checked.value;
  const contact = ctx.store.resolve(instanceId, contactId, "UpdateContactAttributes");
  if (isError(contact)) return errorAnswer(contact);
  const refused = ctx.store.merge(contact, attributes);
  if (refused !== undefined) return errorAnswer(refused);
  ctx.log.push({ operation: "UpdateContactAttributes", instanceId, contactId, attributes: { ...attributes }, at: ctx.now() });
  return jsonAnswer(200, {});
}
