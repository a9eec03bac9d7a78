import type { DescribeContactCommandOutput, GetContactAttributesCommandOutput } from "@aws-sdk/client-connect";
import { connectSdk } from "../lib/connectSdk.js";
import type { OperationName } from "../operations/Operation.js";
import { sendCommand } from "../lib/sendCommand.js";
import type { ApiCall } from "./sendCall.js";

/** The APIs a run calls besides its operation: each has its own quota, so its own governor. */
export const READ_APIS = ["GetContactAttributes", "DescribeContact"] as const;
export type ReadApi = (typeof READ_APIS)[number];
/** Every API a run may call: one governor (and one quota) each. */
export type ApiName = OperationName | ReadApi;

/**
 * GetContactAttributes: the contact's user-defined attributes now (`--capture-before`,
 * rollback's check). Addressed by the initial contact id, as the update is.
 */
export const getContactAttributes: ApiCall = {
  name: "GetContactAttributes",
  read: true,
  send: async (client, to, _fields, signal, deadlineMs) => {
    const out = await sendCommand<GetContactAttributesCommandOutput>(
      client,
      new (connectSdk().GetContactAttributesCommand)({ InstanceId: to.instanceId, InitialContactId: to.contactId }),
      signal,
      deadlineMs,
    );
    return { ...(out.Attributes ?? {}) } as Record<string, string>;
  },
};

/** What `--lookup-start-time` needs of a contact: when it started, and the first leg of its chain. */
export interface ContactStart {
  /** Epoch ms; undefined when the service gave none. */
  readonly initiationTimestamp: number | undefined;
  /** The chain's first leg; the contact itself when it is the first. */
  readonly initialContactId: string;
}

/** DescribeContact, reduced to the contact's start and its chain's first leg. */
export const describeContactStart: ApiCall = {
  name: "DescribeContact",
  read: true,
  send: async (client, to, _fields, signal, deadlineMs) => {
    const out = await sendCommand<DescribeContactCommandOutput>(
      client,
      new (connectSdk().DescribeContactCommand)({ InstanceId: to.instanceId, ContactId: to.contactId }),
      signal,
      deadlineMs,
    );
    const c = out.Contact;
    const start: ContactStart = {
      initiationTimestamp: c?.InitiationTimestamp ? c.InitiationTimestamp.getTime() : undefined,
      initialContactId: c?.InitialContactId || to.contactId,
    };
    return start;
  },
};
