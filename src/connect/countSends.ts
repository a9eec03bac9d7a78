import { AsyncLocalStorage } from "node:async_hooks";
import type { ConnectClient } from "@aws-sdk/client-connect";

/** The hook of the call being made, if any: fired when its request is handed to the HTTP handler. */
const sending = new AsyncLocalStorage<() => void>();
const counting = new WeakSet<object>();

/**
 * Makes `client` fire the hook of the call in hand (`whileSending`) at the last
 * step before its request is written to the socket, after signing: a call is
 * counted as sent at the moment it goes, so a count kept in Redis matches what
 * the service received even when the worker dies right after.
 */
export function countSends(client: ConnectClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      sending.getStore()?.();
      return next(args);
    },
    { step: "deserialize", priority: "low", name: "connectBackfillCountSent" },
  );
  counting.add(client);
}

/** Runs `send` with `onSent` fired as its request goes (on a client of countSends), or right before it otherwise. */
export function whileSending<T>(client: object, onSent: (() => void) | undefined, send: () => Promise<T>): Promise<T> {
  if (!onSent) return send();
  if (counting.has(client)) return sending.run(onSent, send);
  onSent();
  return send();
}
