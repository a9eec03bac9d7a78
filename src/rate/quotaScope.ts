/**
 * Where a quota lives. Connect's API quotas are per AWS account, per Region, per API: what the
 * governor learns about one target (its safe rate, its throttles) says nothing about another.
 * A scope names the target without the API (the governor's key adds it):
 *   `<region>@<account>`   an AWS endpoint whose account is known (from the quota's ARN)
 *   `<region>@aws`         an AWS endpoint whose account could not be read (Service Quotas refused)
 *   `<region>@<host:port>` a custom endpoint (the simulator, a test double): its own quota
 * Only letters, digits and `.:@_-` are kept, so a scope never carries a hash tag's braces or a URL's secrets.
 */
export interface ScopeParts {
  /** The Connect endpoint when it is not AWS's own. */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  /** The 12-digit AWS account id, when known. */
  readonly account?: string | undefined;
}

function hostOf(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    // host only: never the userinfo (a secret) nor the path
    return u.host.toLowerCase();
  } catch {
    return endpoint.toLowerCase();
  }
}

const clean = (s: string) => s.replace(/[^A-Za-z0-9.:@_-]/g, "_");

/** The scope of a target (see above). */
export function scopeOf(parts: ScopeParts): string {
  const region = parts.region?.trim() || "default-region";
  const endpoint = parts.endpoint?.trim();
  const where = endpoint ? hostOf(endpoint) : parts.account && /^\d{12}$/.test(parts.account) ? parts.account : "aws";
  return clean(`${region}@${where}`);
}

/** The account id in an ARN (`arn:aws:servicequotas:us-east-1:123456789012:connect/L-…`), when it has one. */
export function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}
