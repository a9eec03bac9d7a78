import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REDIS_URL } from "./helpers.js";

// Which packages a real CLI process's main thread loaded (ESM resolutions and CommonJS requires), read from the
// process itself: the first keystroke's and an unchanged night's claims are about what is loaded, not about
// timings. A thread of the process (the target's check, the header-only workbook) loads apart and is not counted:
// the hook registers only in the main thread (threads start with the same --import).

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cb-loaded-"));
const hook = join(dir, "hook.mjs");
writeFileSync(
  hook,
  `import { register, createRequire } from "node:module";
import { appendFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
const out = process.env.CB_LOADED;
if (isMainThread) register("data:text/javascript," + encodeURIComponent(\`import { appendFileSync } from "node:fs";
export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith("file:")) appendFileSync(\${JSON.stringify(out)}, r.url + "\\\\n"); return r; }\`));
const require = createRequire(import.meta.url);
if (isMainThread) process.on("exit", () => appendFileSync(out, Object.keys(require.cache).join("\\n") + "\\n"));
`,
);
let n = 0;
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

export interface LoadingResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The packages under node_modules the process loaded, sorted. */
  readonly packages: string[];
}

/** Runs the real command line with `args` and says which packages it loaded. */
export function cliLoading(args: readonly string[], env: Record<string, string> = {}): Promise<LoadingResult> {
  const out = join(dir, `loaded-${process.pid}-${n++}.txt`);
  writeFileSync(out, "");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", hook, join(ROOT, "bin/connect-backfill.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL, ...env, CB_LOADED: out },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => {
      const packages = new Set<string>();
      for (const line of readFileSync(out, "utf8").split("\n")) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
        if (m) packages.add(m[1] as string);
      }
      resolve({ code: code ?? -1, stdout, stderr, packages: [...packages].sort() });
    });
  });
}
