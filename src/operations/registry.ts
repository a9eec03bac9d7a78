import { OPERATION_NAMES, type Operation, type OperationName } from "./Operation.js";
import { updateContact } from "./updateContact/operation.js";
import { updateContactAttributes } from "./updateContactAttributes/operation.js";

const BY_NAME: Record<OperationName, Operation> = { UpdateContactAttributes: updateContactAttributes, UpdateContact: updateContact };

export function isOperationName(value: unknown): value is OperationName {
  return (OPERATION_NAMES as readonly unknown[]).includes(value);
}

/** The operation a run records; runs from before operations existed are UpdateContactAttributes. */
export function operationNamed(name: OperationName | undefined): Operation {
  return BY_NAME[name ?? "UpdateContactAttributes"];
}
