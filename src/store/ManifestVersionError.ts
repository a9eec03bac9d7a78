import { BackfillError } from "../lib/errors.js";
import { READABLE_MANIFEST_VERSIONS } from "../domain/run/manifest.js";

/** A run whose manifest another release wrote, in a layout this one does not read. */
export class ManifestVersionError extends BackfillError {
  readonly code = "manifest-version";
  override readonly name = "ManifestVersionError";
  constructor(
    readonly runId: string,
    readonly version: unknown,
  ) {
    super(
      `run ${runId} was queued by another release of connect-backfill (manifest version ${JSON.stringify(version ?? null)}, this release reads version ${READABLE_MANIFEST_VERSIONS.join(" or ")}); work, report or prune it with the release that queued it.`,
    );
  }
}
