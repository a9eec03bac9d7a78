import { ConnectSimulator, type ConnectSimulatorOptions } from "../simulator/index.js";

export type { ConnectSimulator, ConnectSimulatorOptions };

/** `connect-backfill simulate`: the local Connect stand-in; throws on options it cannot take (a usage error to the command line). */
export function connectSimulator(options: ConnectSimulatorOptions): ConnectSimulator {
  return new ConnectSimulator(options);
}
