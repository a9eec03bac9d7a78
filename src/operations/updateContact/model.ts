/** UpdateContact's limits, from the service model's shapes (connect-2017-08-08). */
export const LIMITS = Object.freeze({
  /** shape Name: max 1024. */
  nameMax: 1024,
  /** shape Description: max 4096. */
  descriptionMax: 4096,
  /** shape ReferenceKey: 1–4096. */
  referenceKeyMax: 4096,
  /** shape ReferenceValue: max 4096. */
  referenceValueMax: 4096,
  /** shape Reference's documentation: up to 4,096 UTF-8 bytes across all references of a contact. */
  referencesTotalBytes: 4096,
  /** shape SegmentAttributeName: 1–128. */
  segmentKeyMax: 128,
  /** shape SegmentAttributeValueString: max 1024. */
  segmentValueMax: 1024,
});

/** shape ReferenceType. */
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
export type ReferenceType = (typeof REFERENCE_TYPES)[number];

/** The only system segment attribute the API updates; user-defined ones are strings. */
export const CONTACT_EXPIRY = "connect:ContactExpiry";

/** SegmentAttributes documentation: "Attribute keys can include only alphanumeric, -, and _." */
export const SEGMENT_KEY = /^[A-Za-z0-9_-]+$/;

/** Reference documentation: "DATE must be of type Epoch timestamp" (seconds or milliseconds). */
export const EPOCH = /^\d{1,13}$/;

/** Members the API takes for external audio contacts only (Contact Lens integration): never sent by this tool. */
export const EXTERNAL_AUDIO_ONLY = ["QueueInfo", "UserInfo", "CustomerEndpoint", "SystemEndpoint"] as const;

/** The model's SegmentAttributeValueInteger is an `integer`: 32 bits, signed (3,000,000,000 minutes came back 400). */
export const INT32_MAX = 2_147_483_647;

/** A Reference's members in the model (Type required; Status and Arn for attachments). */
export const REFERENCE_MEMBERS = ["Value", "Type", "Status", "Arn"] as const;
/** ReferenceStatus's enum and ReferenceArn's length (20–256) and pattern, as the model gives them. */
const REFERENCE_STATUSES: readonly string[] = ["AVAILABLE", "DELETED", "APPROVED", "REJECTED", "PROCESSING", "FAILED"];
export const REFERENCE_MEMBER_OK = {
  Status: (t: string) => REFERENCE_STATUSES.includes(t),
  // The model's pattern has no end anchor: it says how an ARN starts.
  Arn: (t: string) => t.length >= 20 && t.length <= 256 && /^[-:/A-Za-z0-9]+/.test(t),
} as const;
export const REFERENCE_MEMBER_RULE = {
  Status: `one of ${REFERENCE_STATUSES.join(", ")}`,
  Arn: "an ARN of 20 to 256 characters",
} as const;
