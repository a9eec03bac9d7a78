#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so that a fresh clone needs
// no build step: `npm ci` and the command works.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
