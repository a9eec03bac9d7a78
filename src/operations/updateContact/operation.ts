import type { Reference, SegmentAttributeValue } from "@aws-sdk/client-connect";
import { connectSdk } from "../../lib/connectSdk.js";
import { sendCommand } from "../../lib/sendCommand.js";
import type { Fields, Operation } from "../Operation.js";
import { checkColumns, DESCRIPTION, fieldsFromCells, fieldsFromObject, NAME, REF, SEG } from "./fields.js";
import { validateUpdateContact } from "./validate.js";

/** The request's members from a row's fields. */
export function requestOf(fields: Fields): {
  Name?: string;
  Description?: string;
  References?: Record<string, Reference>;
  SegmentAttributes?: Record<string, SegmentAttributeValue>;
} {
  const out: ReturnType<typeof requestOf> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (field === NAME) out.Name = value as string;
    else if (field === DESCRIPTION) out.Description = value as string;
    else if (field.startsWith(REF)) (out.References ??= Object.create(null) as Record<string, Reference>)[field.slice(REF.length)] = value as Reference;
    else if (field.startsWith(SEG))
      (out.SegmentAttributes ??= Object.create(null) as Record<string, SegmentAttributeValue>)[field.slice(SEG.length)] = value as SegmentAttributeValue;
  }
  return out;
}

/**
 * UpdateContact (a preview API): a contact's name, description, references and
 * segment attributes, by its contact id. Each reference and segment attribute is
 * set on its own; what a call does not name is kept, so a contact's rows merge in
 * file order like attributes do. No start date of its own: the age rule is the
 * contact's retention (`--max-contact-age`).
 */
export const updateContact: Operation = {
  name: "UpdateContact",
  availableSince: undefined,
  checkColumns,
  fieldsFromCells,
  fieldsFromObject,
  objectMembers: ["Name", "name", "Description", "description", "References", "references", "SegmentAttributes", "segmentAttributes"],
  validate: validateUpdateContact,
  send: (client, to, fields, signal, deadlineMs) =>
    sendCommand(client, new (connectSdk().UpdateContactCommand)({ InstanceId: to.instanceId, ContactId: to.contactId, ...requestOf(fields) }), signal, deadlineMs),
};
