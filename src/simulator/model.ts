/**
 * Facts copied from the service model (connect-2017-08-08, shared/reference/connect-model-contact-ops.json),
 * each next to the shape it comes from. The simulator keeps its own copy on purpose: it must be able to
 * prove the worker's validator (src/input) wrong, so the two never share code.
 */

/** The operations served. Each has its own quota, as Connect's quotas are per API. */
export const OPERATIONS = ["UpdateContactAttributes", "GetContactAttributes", "DescribeContact", "UpdateContact"] as const;
export type Operation = (typeof OPERATIONS)[number];

export function isOperation(value: unknown): value is Operation {
  return (OPERATIONS as readonly unknown[]).includes(value);
}

/** Operations that change a contact: the only ones autoCreate may create a contact for, and the accepted log's. */
export type UpdateOperation = "UpdateContactAttributes" | "UpdateContact";

export const CONTACT_LIMITS = {
  /** shape InstanceId: min 1, max 100. */
  instanceIdMax: 100,
  /** shape ContactId: min 1, max 256. */
  contactIdMax: 256,
  /** shape Name: min 0, max 1024. */
  nameMax: 1024,
  /** shape Description: min 0, max 4096. */
  descriptionMax: 4096,
  /** shape ReferenceKey: min 1, max 4096. */
  referenceKeyMax: 4096,
  /** shape ReferenceValue: min 0, max 4096. */
  referenceValueMax: 4096,
  /** shape Reference, documentation: "up to 4,096 UTF-8 bytes across all references for a contact". */
  referencesTotalBytesMax: 4096,
  /** shape ReferenceArn: min 20, max 256, pattern ^[-:/A-Za-z0-9]+. */
  referenceArnMin: 20,
  referenceArnMax: 256,
  /** shape ReferenceStatusReason: min 0, max 100. */
  referenceStatusReasonMax: 100,
  /** shape SegmentAttributeName: min 1, max 128. */
  segmentKeyMax: 128,
  /** shape SegmentAttributeValueString: min 0, max 1024. */
  segmentValueStringMax: 1024,
  /** shape AgentResourceId (UserInfo.UserId): min 1, max 256. */
  userIdMax: 256,
  /** shape EndpointAddress: min 0, max 256. */
  endpointAddressMax: 256,
} as const;

export const REFERENCE_ARN_PATTERN = /^[-:/A-Za-z0-9]+$/;

/** shape ReferenceType: 11 values. */
export const REFERENCE_TYPES = [
  "URL",
  "ATTACHMENT",
  "CONTACT_ANALYSIS",
  "NUMBER",
  "STRING",
  "DATE",
  "EMAIL",
  "EMAIL_MESSAGE",
  "EMAIL_MESSAGE_PLAIN_TEXT",
  "EMAIL_MESSAGE_PLAIN_TEXT_REDACTED",
  "EMAIL_MESSAGE_REDACTED",
] as const;

/** shape ReferenceStatus: 6 values. */
export const REFERENCE_STATUSES = ["AVAILABLE", "DELETED", "APPROVED", "REJECTED", "PROCESSING", "FAILED"] as const;

/** shape EndpointType: 5 values. */
export const ENDPOINT_TYPES = ["TELEPHONE_NUMBER", "VOIP", "CONTACT_FLOW", "CONNECT_PHONENUMBER_ARN", "EMAIL_ADDRESS"] as const;

/** shape Channel. */
export const CHANNELS = ["VOICE", "CHAT", "TASK", "EMAIL"] as const;
export type Channel = (typeof CHANNELS)[number];

/** shape ContactInitiationMethod. */
export const INITIATION_METHODS = [
  "INBOUND",
  "OUTBOUND",
  "TRANSFER",
  "QUEUE_TRANSFER",
  "CALLBACK",
  "API",
  "DISCONNECT",
  "MONITOR",
  "EXTERNAL_OUTBOUND",
  "WEBRTC_API",
  "AGENT_REPLY",
  "FLOW",
] as const;
export type InitiationMethod = (typeof INITIATION_METHODS)[number];

/**
 * UpdateContactRequest.SegmentAttributes documentation: "Contact Expiry, and user-defined attributes
 * (String - String) that are defined in predefined attributes, can be updated by using the UpdateContact
 * API." System keys carry the `connect:` prefix (e.g. `connect:Guide`, `connect:ContactExpiry`).
 */
export const SYSTEM_SEGMENT_PREFIX = "connect:";
export const CONTACT_EXPIRY_KEY = "connect:ContactExpiry";
/** SegmentAttributes documentation: "Attribute keys can include only alphanumeric, -, and _." */
export const USER_SEGMENT_KEY_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Placeholder account in contact ARNs; the model only types Arn as a string. */
export const SIMULATED_ACCOUNT = "123456789012";
