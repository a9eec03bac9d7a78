import type { ConnectClient } from "@aws-sdk/client-connect";

/**
 * A call's stop as the SDK's request handler takes one (`aborted`, `reason`, `onabort`): without an
 * EventTarget per call, whose listeners cost more than the rest of the call's own bookkeeping.
 */
export class CallStop {
  aborted = false;
  reason: unknown = undefined;
  onabort: (() => void) | null = null;

  stop(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const onabort = this.onabort;
    this.onabort = null;
    onabort?.();
  }
}

/** Each call's stop, keyed by its command's input (the object the stack's `args.input` is). */
const STOPS_BY_INPUT = new WeakMap<object, CallStop>();
/** The same stop keyed by the call's signed HTTP request, for the request handler. */
const STOPS_BY_REQUEST = new WeakMap<object, CallStop>();
/** The calls in flight under each long-lived shutdown signal: one listener per signal, not one per call. */
const IN_FLIGHT = new WeakMap<AbortSignal, Set<CallStop>>();
const READY = new WeakSet<object>();

interface AnyCommand {
  readonly input: object;
}

/** The stop a call was sent with, by its command's input (what the request handler is given; test clients read it). */
export function callStopOf(input: object): CallStop | undefined {
  return STOPS_BY_INPUT.get(input);
}

function inFlightUnder(signal: AbortSignal): Set<CallStop> {
  let calls = IN_FLIGHT.get(signal);
  if (!calls) {
    const set = new Set<CallStop>();
    IN_FLIGHT.set(signal, (calls = set));
    signal.addEventListener("abort", () => {
      for (const call of set) call.stop(signal.reason);
    });
  }
  return calls;
}

/**
 * Sends `command` on `client`; errors are thrown as the SDK gives them (see classifyError). `signal` (a
 * shutdown) stops it as an AbortError. `deadlineMs` bounds the whole call as a TimeoutError: the SDK's
 * requestTimeout is an idle timeout, so headers and then silence, or a body trickled a byte at a time,
 * would otherwise hold a row (and a call slot) for as long as the peer likes.
 *
 * The client's middleware is resolved once per command type (the SDK's `cacheMiddleware`), not per call:
 * that resolution was 7% of a worker's CPU. A cached stack takes no per-call options, so a call's stop
 * travels beside it, keyed by its input, to one middleware of the client (the last before the request
 * handler), which hands it to the handler. Nothing else of a call differs between calls on one client:
 * its endpoint, Region and credentials are the client's.
 */
export async function sendCommand<T>(client: ConnectClient, command: AnyCommand, signal: AbortSignal | undefined, deadlineMs: number | undefined): Promise<T> {
  prepare(client);
  const send = client.send.bind(client) as unknown as (c: AnyCommand) => Promise<T>;
  const stop = new CallStop();
  let timedOut = false;
  const calls = signal ? inFlightUnder(signal) : undefined;
  if (signal?.aborted) stop.stop(signal.reason);
  else calls?.add(stop);
  const timer = deadlineMs
    ? setTimeout(() => {
        timedOut = true;
        stop.stop();
      }, deadlineMs)
    : undefined;
  try {
    STOPS_BY_INPUT.set(command.input, stop);
    return await send(command);
  } catch (err) {
    // Our deadline, not a shutdown: a timeout (transient), not a handback.
    if (timedOut && !signal?.aborted) throw Object.assign(new Error(`no complete answer within ${deadlineMs} ms`), { name: "TimeoutError" });
    throw err;
  } finally {
    clearTimeout(timer);
    calls?.delete(stop);
  }
}

interface Handler {
  handle(request: object, options?: { abortSignal?: unknown }): Promise<unknown>;
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

/** Once per client: the cached stack, and a call's stop from its input to its request to the handler. */
function prepare(client: ConnectClient): void {
  if (READY.has(client)) return;
  READY.add(client);
  const c = client as unknown as Preparable;
  c.config.cacheMiddleware = true;
  c.middlewareStack.add(
    (next) => (args) => {
      const stop = STOPS_BY_INPUT.get(args.input);
      if (stop) STOPS_BY_REQUEST.set(args.request, stop);
      return next(args);
    },
    { step: "deserialize", priority: "low", name: "connectBackfillCallStop" },
  );
  const handler = c.config.requestHandler as Handler;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options) => {
    const abortSignal = STOPS_BY_REQUEST.get(request) ?? options?.abortSignal;
    // Without its stop a call could not be ended by a shutdown or its deadline: never send one so.
    if (!abortSignal) return Promise.reject(new Error("a Connect call reached the HTTP handler without its abort signal"));
    return handle(request, { ...options, abortSignal });
  };
}
