/**
 * How a JSONL row may spell its contact's own members, ours then the API's: the envelope reads them, and the
 * checks that a member is read (strayMember), the outcome of a row that cannot be read and failures.csv's
 * columns take the same spellings from here.
 */
export const CONTACT_ID_MEMBERS = ["contactId", "initialContactId", "InitialContactId", "ContactId"] as const;
export const INSTANCE_MEMBERS = ["instanceId", "InstanceId"] as const;
export const START_MEMBERS = ["initiationTimestamp", "InitiationTimestamp"] as const;
export const ATTRIBUTES_MEMBERS = ["attributes", "Attributes"] as const;

/** The contact's own members, its condition included. */
export const CONTACT_MEMBERS: ReadonlySet<string> = new Set<string>([...CONTACT_ID_MEMBERS, ...INSTANCE_MEMBERS, ...START_MEMBERS, "ifCurrent"]);

/** A CSV header's names (any case, trimmed) of the contact's own columns: a column so named is never an attribute. */
const ROLE_COLUMNS: ReadonlySet<string> = new Set(["contactid", "initialcontactid", "instanceid", "initiationtimestamp"]);

/** True for the names of the contact's own columns (contactId, initialContactId, instanceId, initiationTimestamp), in any case. */
export function isRoleName(name: string): boolean {
  return ROLE_COLUMNS.has(name.trim().toLowerCase());
}
