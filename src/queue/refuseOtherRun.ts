import { fingerprintSize } from "../input/InputTransport.js";
import { InputFileError } from "../input/InputFileError.js";
import { STDIN } from "../input/transportOf.js";
import type { RunManifest } from "../domain/run/manifest.js";
import type { Operation } from "../operations/Operation.js";
import { operationNamed } from "../operations/registry.js";
import type { EnqueueOptions } from "./EnqueueOptions.js";

/**
 * A producer going on with a run that exists: refused in one sentence when the command names another run than
 * the one recorded (another operation, kind, safety setting, input or content). A run id names one run.
 */
export function refuseOtherRun(
  manifest: RunManifest,
  given: { readonly op: Operation; readonly opts: EnqueueOptions; readonly path: string; readonly stdin: boolean; readonly fingerprint: string | undefined },
): void {
  const { op, opts, path, stdin, fingerprint } = given;
  const runId = manifest.runId;
  // Another kind of run under this id (a retry's or a rollback's, made by a command given the same --run-id).
  if ((opts.parentRunId ?? undefined) !== (manifest.parentRunId ?? undefined) || (opts.safety?.rollbackOf ?? undefined) !== (manifest.rollbackOf ?? undefined)) {
    const of = (parent: string | undefined, rollbackOf: string | undefined) =>
      rollbackOf ? `a rollback of run ${rollbackOf}` : parent ? `a run made from run ${parent}` : "a run of its own file";
    throw new InputFileError(
      `run ${runId} already exists as ${of(manifest.parentRunId, manifest.rollbackOf)}, not ${of(opts.parentRunId, opts.safety?.rollbackOf)}; give a new --run-id.`,
    );
  }
  if (operationNamed(manifest.operation) !== op) {
    throw new InputFileError(
      `run ${runId} was queued for ${operationNamed(manifest.operation).name}, not ${op.name}; give the same --operation to go on with it, or another --run-id.`,
    );
  }
  // A run id names one run: going on with it under other settings would silently drop them (or, for a
  // dry run's id, send nothing at all).
  const theirs = manifest.dryRun === true;
  const mine = opts.safety?.dryRun === true;
  if (theirs !== mine) {
    throw new InputFileError(
      theirs
        ? `run ${runId} is a dry run (it sends nothing); give the real run its own --run-id.`
        : `run ${runId} is a real run; give a dry run its own --run-id (or none).`,
    );
  }
  // Left out, a setting is the run's own (going on after a crash or a resume); given, it must be the run's.
  const s = opts.safety;
  const differs = (
    [
      ["--canary", s?.canary !== undefined && s.canary !== manifest.canary],
      ["--capture-before", s?.captureBefore === true && manifest.captureBefore !== true],
      ["--lookup-start-time", s?.lookupStartTime === true && manifest.lookupStartTime !== true],
      ["--follow-initial", s?.followInitial === true && manifest.followInitial !== true],
    ] as const
  ).find(([, d]) => d);
  if (differs) {
    throw new InputFileError(`run ${runId} was queued without ${differs[0]} (or with another value); go on with it as it was queued, or give a new --run-id.`);
  }
  if (manifest.input !== path) {
    throw new InputFileError(`run ${runId} already exists for ${manifest.input}; choose another --run-id for ${path}.`);
  }
  if (stdin || manifest.input === STDIN) {
    throw new InputFileError(`run ${runId} already exists, and a run read from standard input cannot be resumed or read again; give a new --run-id.`);
  }
  if (manifest.fingerprint !== undefined && fingerprint !== undefined && manifest.fingerprint !== fingerprint) {
    throw new InputFileError(
      `run ${runId} was queued from ${path} when it held other content (${fingerprintSize(manifest.fingerprint)} bytes then, ${fingerprintSize(fingerprint)} now); give a new --run-id to queue the file as it is now.`,
    );
  }
}
