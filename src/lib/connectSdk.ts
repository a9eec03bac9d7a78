import { lazyPackage } from "./requirePackage.js";

/**
 * @aws-sdk/client-connect, loaded when a client is first made or a command first built, not when a module that
 * names a command is loaded (the operations are loaded by every row check): a command that makes no client
 * (`status`, `history`, `report`) never loads it (~0.2 s, ~33 MB of RSS).
 */
export const connectSdk = lazyPackage<typeof import("@aws-sdk/client-connect")>("@aws-sdk/client-connect");
