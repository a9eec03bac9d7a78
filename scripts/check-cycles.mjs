#!/usr/bin/env node
// Circular-import check for src/: no dependencies, run with `npm run cycles`.
//
// Reads every .ts file under src/ (or the folder given as the first argument), collects its
// relative imports and re-exports, resolves "./x.js" to "./x.ts", and looks for cycles
// (Tarjan's strongly connected components).
//
// - Static edges: `import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"`.
//   A cycle among these fails the check (exit 1): at runtime one module of the cycle sees the
//   other half-initialised.
// - Dynamic edges: `import("./x.js")`. Cycles that need one are listed separately and do not fail
//   the check: the import runs later, after both modules have finished loading.
// - Type-only imports vanish at runtime and are ignored: `import type …`, `export type … from`,
//   `import { type A, type B } from` (every name marked `type`), and `import("./x.js").T` in a
//   type position. A plain `import { T }` used only as a type is also erased by TypeScript, but
//   telling that needs the type checker: it counts here, and Biome's useImportType rule asks for
//   `import type` there.
//
// Layers: each file's room is its first folder under src/ (src/index.ts is the package's front door).
// Every import between rooms, type-only ones included (a type is a dependency of the design), must be
// an arrow of ALLOWED below: data flows one way, and a reader finds a concern from the folder names.
// Only the default src/ folder is checked for layers.
//
// Exit status: 0 with "no circular imports among N modules" and "layers kept", 1 on a static cycle or an
// arrow outside ALLOWED, 2 on a usage error.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const root = process.cwd();
const srcDir = resolve(root, process.argv[2] ?? "src");
if (!existsSync(srcDir) || !statSync(srcDir).isDirectory()) {
  console.error(`check-cycles: ${relative(root, srcDir) || srcDir} is not a folder`);
  process.exit(2);
}

const show = (file) => relative(root, file).split(sep).join("/");

function listTs(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(path));
    else if (entry.isFile() && entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

// After these a "/" opens a regular expression rather than dividing.
const regexMayStart = (last, before) =>
  last === "" || "(,=:[!&|?{};+-*%<>~^".includes(last) || /\b(return|typeof|case|do|else|in|of|void|yield|await)\s*$/.test(before);

// Blanks comments and the text of template literals (keeping offsets and line breaks), so that
// the patterns below only see code and ordinary string literals. Regular-expression literals are
// skipped whole, so a quote inside one does not open a string.
function stripComments(text) {
  const out = text.split("");
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  let i = 0;
  let last = ""; // last significant character outside comments, to tell a regex from a division
  const n = text.length;
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === "/" && d === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === "/" && d === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      i = j + 1;
      last = c;
    } else if (c === "`") {
      let j = i + 1;
      let depth = 0;
      while (j < n) {
        if (text[j] === "\\") {
          j += 2;
        } else if (depth === 0 && text[j] === "`") {
          break;
        } else if (text[j] === "$" && text[j + 1] === "{") {
          depth++;
          j += 2;
        } else {
          if (depth > 0 && text[j] === "}") depth--;
          j++;
        }
      }
      blank(i + 1, j);
      i = j + 1;
      last = "`";
    } else if (c === "/" && regexMayStart(last, text.slice(Math.max(0, i - 8), i))) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== "\n") {
        if (text[j] === "\\") {
          j += 2;
          continue;
        }
        if (text[j] === "/" && !inClass) break;
        if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        j++;
      }
      i = j + 1;
      last = "/";
    } else {
      if (!/\s/.test(c)) last = c;
      i++;
    }
  }
  return out.join("");
}

const STATIC_FROM = /^[ \t]*(import|export)\b([^;]*?)\bfrom\s*(["'])([^"'\n]+)\3/gm;
const SIDE_EFFECT = /^[ \t]*import\s*(["'])([^"'\n]+)\1/gm;
const DYNAMIC = /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)(\s*\.\s*([A-Za-z_$][\w$]*))?/g;

// True when the clause between `import`/`export` and `from` brings in nothing at runtime.
function typeOnly(clause) {
  const c = clause.trim();
  if (/^type\b/.test(c) && !/^type\s*,/.test(c)) return true; // `import type X`, `export type { … }`; not a default import named `type`
  const braces = c.match(/^\{([\s\S]*)\}$/); // `{ type A, type B }` with no default or namespace import
  if (!braces) return false;
  const names = braces[1]
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((s) => /^type\s+[\w$]/.test(s));
}

function lineOf(text, index) {
  let line = 1;
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

const files = listTs(srcDir).sort();
const known = new Set(files);
const unresolved = [];

function resolveSpecifier(from, spec) {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return null;
  const base = resolve(dirname(from), spec);
  const candidates = [];
  if (/\.(c|m)?js$/.test(base))
    candidates.push(
      base
        .replace(/\.js$/, ".ts")
        .replace(/\.mjs$/, ".mts")
        .replace(/\.cjs$/, ".cts"),
    );
  candidates.push(base, `${base}.ts`, join(base, "index.ts"));
  for (const c of candidates) if (known.has(c)) return c;
  // Outside the scanned folder (../package.json, a .json file, …): not a module of this graph.
  if (candidates.some((c) => existsSync(c))) return null;
  return undefined;
}

const edges = new Map(); // file -> [{ to, kind: "static" | "dynamic", line }]
const typeEdges = new Map(); // file -> [{ to, line }]: type-only imports, for the layers
for (const file of files) {
  const raw = readFileSync(file, "utf8");
  const code = stripComments(raw);
  const list = [];
  const add = (spec, kind, index) => {
    const to = resolveSpecifier(file, spec);
    const line = lineOf(code, index);
    if (to === undefined) unresolved.push(`${show(file)}:${line} ${spec}`);
    else if (to !== null) list.push({ to, kind, line });
  };
  const types = [];
  for (const m of code.matchAll(STATIC_FROM)) {
    if (!typeOnly(m[2])) add(m[4], "static", m.index);
    else {
      const to = resolveSpecifier(file, m[4]);
      if (to) types.push({ to, line: lineOf(code, m.index) });
    }
  }
  typeEdges.set(file, types);
  for (const m of code.matchAll(SIDE_EFFECT)) add(m[2], "static", m.index);
  for (const m of code.matchAll(DYNAMIC)) {
    const member = m[4];
    if (member && !["then", "catch", "finally"].includes(member)) continue; // import("./x.js").T: a type
    add(m[2], "dynamic", m.index);
  }
  edges.set(file, list);
}

// Tarjan's strongly connected components over the edges `keep` accepts.
function components(keep) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  const visit = (v) => {
    // Iterative, so deep import chains cannot overflow the call stack.
    const work = [[v, 0]];
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const next = edges.get(node).filter(keep);
      if (i < next.length) {
        frame[1]++;
        const w = next[i].to;
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index);
          index++;
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(node, Math.min(low.get(node), idx.get(w)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === idx.get(node)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== node);
        const selfLoop = comp.length === 1 && edges.get(node).some((e) => keep(e) && e.to === node);
        if (comp.length > 1 || selfLoop) out.push(comp.sort());
      }
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}

// A shortest cycle from `start` back to itself inside `members`, as a list of edges.
function shortestCycle(start, members, keep) {
  const inside = new Set(members);
  const prev = new Map();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length > 0) {
    const v = queue.shift();
    for (const e of edges.get(v)) {
      if (!keep(e) || !inside.has(e.to)) continue;
      if (e.to === start) {
        const path = [{ from: v, ...e }];
        let at = v;
        while (at !== start) {
          const p = prev.get(at);
          path.unshift(p);
          at = p.from;
        }
        return path;
      }
      if (!seen.has(e.to)) {
        seen.add(e.to);
        prev.set(e.to, { from: v, ...e });
        queue.push(e.to);
      }
    }
  }
  return [];
}

// Cycles covering every module of a component: a shortest one through each module not yet shown.
function cyclesOf(comp, keep) {
  const covered = new Set();
  const cycles = [];
  const keys = new Set();
  for (const start of comp) {
    if (covered.has(start)) continue;
    const path = shortestCycle(start, comp, keep);
    if (path.length === 0) continue;
    for (const e of path) covered.add(e.from);
    const key = path
      .map((e) => e.from)
      .sort()
      .join("|");
    if (keys.has(key)) continue;
    keys.add(key);
    cycles.push(path);
  }
  return cycles;
}

// "src/a.ts → src/b.ts ⇢ src/c.ts → src/a.ts  (src/a.ts:3, src/b.ts:9 import(), src/c.ts:1)"
const chain = (path) =>
  `${[show(path[0].from), ...path.map((e) => `${e.kind === "dynamic" ? "⇢" : "→"} ${show(e.to)}`)].join(" ")}  (${path
    .map((e) => `${show(e.from)}:${e.line}${e.kind === "dynamic" ? " import()" : ""}`)
    .join(", ")})`;

const isStatic = (e) => e.kind === "static";
const any = () => true;
const staticComps = components(isStatic);
const inStaticCycle = new Set(staticComps.flat());
// Components of the full graph that only exist because of a dynamic import().
const dynamicComps = components(any).filter((comp) => {
  const staticParts = staticComps.filter((s) => s.every((f) => comp.includes(f)));
  return !(staticParts.length === 1 && staticParts[0].length === comp.length);
});

for (const u of unresolved) console.log(`check-cycles: unresolved relative import ${u}`);

if (dynamicComps.length > 0) {
  console.log(`Cycles that close only through a dynamic import() (allowed; the import runs after loading):`);
  for (const comp of dynamicComps) {
    for (const path of cyclesOf(comp, any)) {
      if (!path.some((e) => e.kind === "dynamic")) continue; // static part: shown below
      console.log(`  - ${chain(path)}`);
    }
  }
}

/**
 * The rooms of src/ and the rooms each may import. Top to bottom: cli parses and prints (and the
 * dashboard, the tool's other face, shows); app holds one file per verb; worker, queue, report, dashboard and metrics do the work; below them the rooms they
 * share; domain is pure. `simulator` stands apart (a stand-in of the service, never imported by the tool).
 */
const ALLOWED = {
  "(index)": ["app", "cli", "config", "connect", "domain", "input", "jobs", "lib", "operations", "queue", "report", "simulator", "store", "worker"],
  // The two faces: a command line and a web page, each calling app/'s verbs.
  cli: ["app", "config", "dashboard", "lib", "log", "simulator"],
  dashboard: ["app", "config", "domain", "lib", "queue", "report", "store"],
  app: ["config", "connect", "domain", "input", "jobs", "lib", "log", "metrics", "operations", "queue", "rate", "report", "simulator", "store", "worker"],
  metrics: ["domain", "lib", "queue", "store", "worker"],
  worker: ["connect", "domain", "lib", "log", "operations", "queue", "rate", "report", "store"],
  queue: ["domain", "input", "lib", "operations", "report", "store"],
  report: ["domain", "lib", "store"],
  jobs: ["config", "domain", "input", "lib", "operations"],
  config: ["domain", "lib", "operations"],
  store: ["domain", "lib"],
  connect: ["domain", "lib", "operations", "rate"],
  rate: ["lib"],
  operations: ["domain", "input", "lib"],
  // A run's shape (header, column mapping) is the domain's; the readers give it.
  input: ["domain", "lib"],
  domain: ["lib", "operations"],
  log: ["lib"],
  lib: [],
  simulator: ["lib"],
};

function roomOf(file) {
  const rel = relative(srcDir, file).split(sep);
  return rel.length === 1 ? "(index)" : rel[0];
}

const layerErrors = [];
if (process.argv[2] === undefined) {
  for (const file of files) {
    const from = roomOf(file);
    const allowed = ALLOWED[from];
    for (const e of [...edges.get(file), ...typeEdges.get(file)]) {
      const to = roomOf(e.to);
      if (to === from) continue;
      if (!allowed) layerErrors.push(`${show(file)}:${e.line} is in src/${from}/, a room the layers do not know: add it to ALLOWED in scripts/check-cycles.mjs`);
      else if (!allowed.includes(to)) layerErrors.push(`${show(file)}:${e.line} imports ${show(e.to)}: ${from} → ${to} is not an allowed arrow`);
    }
  }
  if (layerErrors.length > 0) {
    console.log(`Imports against the layers (${layerErrors.length}):`);
    for (const l of layerErrors) console.log(`  - ${l}`);
  } else console.log("layers kept: every import between rooms is an allowed arrow");
}

const modules = files.length;
if (staticComps.length === 0) {
  console.log(`no circular imports among ${modules} modules`);
  process.exit(layerErrors.length > 0 ? 1 : 0);
}

let count = 0;
console.log(`Circular imports (static, outside \`import type\`) among ${modules} modules:`);
for (const comp of staticComps) {
  console.log(comp.length === 1 ? `\n  ${show(comp[0])} imports itself` : `\n  ${comp.length} modules import each other: ${comp.map(show).join(", ")}`);
  for (const path of cyclesOf(comp, isStatic)) {
    count++;
    console.log(`  - ${chain(path)}`);
  }
}
console.log(
  `\ncheck-cycles: ${count} cycle(s) in ${staticComps.length} group(s) of ${inStaticCycle.size} modules; break them (import type, or move the shared part to its own module)`,
);
process.exit(1);
