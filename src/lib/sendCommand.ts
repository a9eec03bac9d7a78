import type { ConnectClient } from "@aws-sdk/client-connect";
import { callWithDeadline } from "./callWithDeadline.js";

/** What one call carries past the SDK's stack: its abort signal, and the hook fired as its request goes. */
interface CallHooks {
  readonly signal: AbortSignal;
  readonly sent: (() => void | Promise<void>) | undefined;
}

/** Keyed by the command's input (the object the stack's `args.input` is), for the one call it belongs to. */
const CALLS = new WeakMap<object, CallHooks>();
/** Keyed by the signed HTTP request, for the request handler. */
const SIGNALS = new WeakMap<object, AbortSignal>();
const READY = new WeakSet<object>();

interface AnyCommand {
  readonly input: object;
}

/** The abort signal a call was sent with, by its command's input (what the request handler is given; test clients read it). */
export function callSignalOf(input: object): AbortSignal | undefined {
  return CALLS.get(input)?.signal;
}

/**
 * Sends `command` on `client`, bounded by `deadlineMs` and `signal` (callWithDeadline); `sent` fires as
 * its request goes, after signing, and the request waits for the promise it returns (a run's count of
 * calls sent is written to Redis before the request is).
 *
 * The client's middleware is resolved once per command type (the SDK's `cacheMiddleware`), not per call:
 * that resolution was 7% of a worker's CPU. A cached stack takes no per-call options or middleware, so a
 * call's own abort signal and hook travel beside it, keyed by its input, to one middleware of the client
 * (the last before the request handler) and to the handler.
 */
export function sendCommand<T>(
  client: ConnectClient,
  command: AnyCommand,
  signal: AbortSignal | undefined,
  deadlineMs: number | undefined,
  sent: (() => void | Promise<void>) | undefined,
): Promise<T> {
  prepare(client);
  const send = client.send.bind(client) as unknown as (c: AnyCommand) => Promise<T>;
  return callWithDeadline(
    (abortSignal) => {
      CALLS.set(command.input, { signal: abortSignal, sent });
      return send(command);
    },
    signal,
    deadlineMs,
  );
}

interface Handler {
  handle(request: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

interface Preparable {
  readonly config: { cacheMiddleware?: boolean; readonly requestHandler: unknown };
  readonly middlewareStack: {
    add(
      mw: (next: (args: { input: object; request: object }) => Promise<unknown>) => (args: { input: object; request: object }) => Promise<unknown>,
      options: { step: "deserialize"; priority: "low"; name: string },
    ): void;
  };
}

/** Once per client: the cached stack, the middleware that fires a call's hook, the handler that takes its signal. */
function prepare(client: ConnectClient): void {
  if (READY.has(client)) return;
  READY.add(client);
  const c = client as unknown as Preparable;
  c.config.cacheMiddleware = true;
  c.middlewareStack.add(
    (next) => async (args) => {
      const hooks = CALLS.get(args.input);
      if (hooks) {
        SIGNALS.set(args.request, hooks.signal);
        const going = hooks.sent?.();
        if (going) await going;
      }
      return next(args);
    },
    { step: "deserialize", priority: "low", name: "connectBackfillCallHooks" },
  );
  const handler = c.config.requestHandler as Handler;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options) => {
    const abortSignal = SIGNALS.get(request);
    return handle(request, abortSignal ? { ...options, abortSignal } : options);
  };
}
