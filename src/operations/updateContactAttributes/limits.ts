/** The service's limits for UpdateContactAttributes (see shared/reference/connect-api.md and the model's shapes). */
export const LIMITS = Object.freeze({
  attributeValueMax: 32_767,
  attributeKeyMax: 32_767,
  /** UTF-8 bytes across all keys and values of one update (and of a contact in all). */
  attributesTotalBytes: 32_768,
});

export const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]+$/;
