#!/usr/bin/env node
// Runs the compiled CLI in dist/ and nothing else: no compiler at run time, no
// walk of the source tree on every start. dist/ is built by `npm run build`
// (and by `npm ci` in a clone, through `prepare`); while developing, run the
// sources with `npm run cli -- <command>` (tsx, a dev dependency).
import { existsSync } from "node:fs";

// The pinned SDK supports Node 20 (what our machines run); its notice about
// future releases would only clutter cron mail.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('connect-backfill: dist/ is not built: run "npm run build" (or run the sources with "npm run cli -- <command>")\n');
  process.exit(1);
}
await import(entry.href);
