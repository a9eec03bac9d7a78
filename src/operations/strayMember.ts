import { CONTACT_MEMBERS } from "../domain/rowMembers.js";
import type { Operation } from "./Operation.js";

/**
 * A member of a JSONL row that neither the contact nor the operation reads: it would be dropped without a word
 * (`{"contactId": "a", "tier": "gold"}` meant an attribute; `"note"` beside `"attributes"` was never sent). Said as
 * the row's `UnknownMember`, as a CSV column the operation cannot take is a file error. A member whose name starts
 * with `#` is context of the user's own, as `#` columns are.
 */
export function strayMember(obj: Record<string, unknown>, op: Operation): { readonly code: "UnknownMember"; readonly reason: string } | undefined {
  // Exactly as the readers spell them: `IfCurrent` or `NAME`, never read, would be dropped (a guard ignored).
  const known = new Set(op.objectMembers);
  for (const key of Object.keys(obj)) {
    if (CONTACT_MEMBERS.has(key) || known.has(key) || key.trimStart().startsWith("#")) continue;
    const name = JSON.stringify(key.slice(0, 40));
    const takes = op.objectMembers.map((m) => `"${m}"`).join(", ");
    const hint = known.has("attributes") ? `: attributes go in "attributes" ({"attributes": {${name}: …}})` : ` (it takes ${takes})`;
    return {
      code: "UnknownMember",
      reason: `has ${name}, which is not a member of an ${op.name} row${hint}; context of your own goes in a member starting with "#"`,
    };
  }
  return undefined;
}
