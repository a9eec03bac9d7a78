import { requirePackage } from "./requirePackage.js";

type ConnectSdk = typeof import("@aws-sdk/client-connect");
let sdk: ConnectSdk | undefined;

/**
 * @aws-sdk/client-connect, loaded when a client is first made or a command first built, not when a module that
 * names a command is loaded (the operations are loaded by every row check): a command that makes no client
 * (`status`, `history`, `report`) never loads it (~0.2 s, ~33 MB of RSS).
 */
export function connectSdk(): ConnectSdk {
  sdk ??= requirePackage("@aws-sdk/client-connect") as ConnectSdk;
  return sdk;
}
