#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so that a fresh clone needs
// no build step: `npm ci` and the command works.
import { register } from "tsx/esm/api";

// The pinned SDK supports Node 20 (what our machines run); its notice about
// future releases would only clutter cron mail.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
await import("../src/cli/main.ts");
