import type { ColumnMapping } from "../input/columnRoles.js";
import type { InputRef } from "../input/InputTransport.js";
import { inputName } from "../input/InputTransport.js";
import { openSource, type InputFormat, type Source } from "../input/openSource.js";
import type { Operation, OperationName } from "../operations/Operation.js";
import { operationNamed } from "../operations/registry.js";

export interface RunInputOptions {
  readonly format: InputFormat;
  readonly delimiter?: string | undefined;
  /** The run's default instance: a file that names none, with none given, is refused. */
  readonly instanceId: string | undefined;
  readonly mapping?: ColumnMapping | undefined;
  readonly operation?: OperationName | undefined;
  readonly onOffset?: ((bytes: number) => void) | undefined;
}

/**
 * Opens a run's input as the producer reads it: what is wrong with the file as a
 * whole (missing, not text, no header, no instance, a column the operation cannot
 * take) is one sentence here, before anything is queued.
 */
export async function openRunInput(input: InputRef, opts: RunInputOptions): Promise<{ source: Source; op: Operation }> {
  const source = await openSource(input, opts.format, {
    delimiter: opts.delimiter,
    requireInstance: { defaultInstanceId: opts.instanceId },
    mapping: opts.mapping,
    ...(opts.onOffset ? { onOffset: opts.onOffset } : {}),
  });
  const op = operationNamed(opts.operation);
  // A column that means nothing to the operation is said now, not as one invalid row per line.
  if (source.roles)
    op.checkColumns(
      source.roles.fields.map(([, name]) => name),
      inputName(input),
    );
  return { source, op };
}

/**
 * The same checks, then the input is closed: `run` and `enqueue` say a bad file
 * before they check the target (credentials, endpoint, Redis), since the file is
 * the user's own and costs nothing to look at. Its first record is read too, so
 * what breaks only past the header is said as well. The producer opens it again.
 */
export async function checkRunInput(input: InputRef, opts: RunInputOptions): Promise<void> {
  const { source } = await openRunInput(input, opts);
  const it = source.records[Symbol.asyncIterator]();
  try {
    await it.next();
  } finally {
    // Started, a reader closes its file when it is told to stop (its `return`).
    await it.return?.(undefined);
  }
}
