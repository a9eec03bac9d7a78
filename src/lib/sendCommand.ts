import type { ConnectClient } from "@aws-sdk/client-connect";
import { callWithDeadline } from "./callWithDeadline.js";

/** Each call's abort signal, keyed by its command's input (the object the stack's `args.input` is). */
const SIGNALS_BY_INPUT = new WeakMap<object, AbortSignal>();
/** The same signal keyed by the call's signed HTTP request, for the request handler. */
const SIGNALS_BY_REQUEST = new WeakMap<object, AbortSignal>();
const READY = new WeakSet<object>();

interface AnyCommand {
  readonly input: object;
}

/** The abort signal a call was sent with, by its command's input (what the request handler is given; test clients read it). */
export function callSignalOf(input: object): AbortSignal | undefined {
  return SIGNALS_BY_INPUT.get(input);
}

/**
 * Sends `command` on `client`, bounded by `deadlineMs` and `signal` (callWithDeadline).
 *
 * The client's middleware is resolved once per command type (the SDK's `cacheMiddleware`), not per call:
 * that resolution was 7% of a worker's CPU. A cached stack takes no per-call options, so a call's own
 * abort signal travels beside it, keyed by its input, to one middleware of the client (the last before
 * the request handler), which hands it to the handler. Nothing else of a call differs between calls on
 * one client: its endpoint, Region and credentials are the client's.
 */
export function sendCommand<T>(client: ConnectClient, command: AnyCommand, signal: AbortSignal | undefined, deadlineMs: number | undefined): Promise<T> {
  prepare(client);
  const send = client.send.bind(client) as unknown as (c: AnyCommand) => Promise<T>;
  return callWithDeadline(
    (abortSignal) => {
      SIGNALS_BY_INPUT.set(command.input, abortSignal);
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

/** Once per client: the cached stack, and a call's signal from its input to its request to the handler. */
function prepare(client: ConnectClient): void {
  if (READY.has(client)) return;
  READY.add(client);
  const c = client as unknown as Preparable;
  c.config.cacheMiddleware = true;
  c.middlewareStack.add(
    (next) => (args) => {
      const signal = SIGNALS_BY_INPUT.get(args.input);
      if (signal) SIGNALS_BY_REQUEST.set(args.request, signal);
      return next(args);
    },
    { step: "deserialize", priority: "low", name: "connectBackfillCallSignal" },
  );
  const handler = c.config.requestHandler as Handler;
  const handle = handler.handle.bind(handler);
  handler.handle = (request, options) => {
    const abortSignal = SIGNALS_BY_REQUEST.get(request) ?? options?.abortSignal;
    // Without its signal a call could not be stopped by a shutdown or its deadline: never send one so.
    if (!abortSignal) return Promise.reject(new Error("a Connect call reached the HTTP handler without its abort signal"));
    return handle(request, { ...options, abortSignal });
  };
}
