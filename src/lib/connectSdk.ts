import { requirePackage } from "./requirePackage.js";

type ConnectSdk = typeof import("@aws-sdk/client-connect");
let sdk: ConnectSdk | undefined;

/**
 * @aws-sdk/client-connect, loaded when a client is first made or a command first built: a producer that
 * only reads and checks the file (`enqueue`, a dry run's rows) never loads the SDK (~0.2 s and ~15 MB).
 */
export function connectSdk(): ConnectSdk {
  sdk ??= requirePackage("@aws-sdk/client-connect") as ConnectSdk;
  return sdk;
}
