import type { ConnectClient } from "@aws-sdk/client-connect";
import { targetMismatch, type RunTarget } from "../domain/run/manifest.js";

/**
 * Where a worker's calls go. A Region the command did not name is the one the SDK signs with (a profile's, say):
 * it must match a run's too, or a run queued for us-east-1 would be sent to eu-west-1.
 */
export async function signedTarget(client: () => ConnectClient, mine: RunTarget): Promise<RunTarget> {
  if (mine.region) return mine;
  try {
    // Asked for only here: a command that names its Region never needs the client (nor the SDK) to know where it calls.
    return { ...mine, region: (await client().config.region()) || undefined };
  } catch {
    // No Region anywhere: whyLeftAlone says so for a run that has one.
    return mine;
  }
}

/** Why a worker calling `mine` must leave a run queued for `theirs` alone, or undefined when it may work it. */
export function whyLeftAlone(theirs: RunTarget, mine: RunTarget): string | undefined {
  const why = targetMismatch(theirs, mine);
  if (why) return why;
  // No Region at all (none given, none in the profile): its calls could not be signed for the run's.
  return theirs.region && !mine.region ? `it was queued for Region ${theirs.region}, and this worker has no Region (give --region or set AWS_REGION)` : undefined;
}
