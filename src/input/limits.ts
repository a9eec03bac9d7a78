/** The service's limits for UpdateContactAttributes (see shared/reference/connect-api.md). */
export const LIMITS = Object.freeze({
  contactIdMax: 256,
  instanceIdMax: 100,
  attributeValueMax: 32_767,
  attributeKeyMax: 32_767,
  /** UTF-8 bytes across all keys and values of one update. */
  attributesTotalBytes: 32_768,
});

export const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]+$/;
