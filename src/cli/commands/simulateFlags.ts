import type { FlagSpec } from "../parseArgs.js";

export const SIMULATE_FLAGS: FlagSpec = {
  port: "number",
  host: "string",
  rate: "number",
  burst: "number",
  latency: "number",
  "auto-create": "boolean",
  "auto-create-on-read": "boolean",
  quota: "string",
  "accepted-log-limit": "number",
  contacts: "string",
  "log-level": "string",
};
