// Reads the shell blocks of the guides (README.md and docs/*.md) and turns each into a script that checks every
// line's exit code: 0, unless the line's comment says `exit N`. A block preceded by `<!-- not-run: reason -->`
// is not run (it needs AWS, a cluster, the registry or a long time); the reason is required.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ShellBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly text: string;
  /** Why the block is not run, when it is marked so. */
  readonly notRun: string | undefined;
}

export function guides(root: string): string[] {
  return [
    "README.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`),
  ];
}

export function shellBlocks(root: string, file: string): ShellBlock[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell|console)\s*$/.test(lines[i] as string)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith("```"); i++) body.push(lines[i] as string);
    let k = start - 1;
    while (k >= 0 && (lines[k] as string).trim() === "") k--;
    const marker = /^<!--\s*not-run:\s*(.*?)\s*-->$/.exec((lines[k] ?? "").trim());
    blocks.push({ file, line: start + 1, text: body.join("\n"), notRun: marker ? marker[1] || "(no reason given)" : undefined });
  }
  return blocks;
}

/** The command and its trailing comment, split at the first `#` outside quotes that follows a blank. */
export function splitComment(line: string): [string, string] {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] as string))) return [line.slice(0, i).trimEnd(), line.slice(i + 1).trim()];
  }
  return [line.trimEnd(), ""];
}

/** Logical lines: continuations joined, blank lines and comment-only lines dropped. */
export function commandsOf(text: string): Array<{ command: string; expect: number }> {
  const joined = text.replace(/\\\n\s*/g, " ").split("\n");
  const out: Array<{ command: string; expect: number }> = [];
  for (const raw of joined) {
    const [command, comment] = splitComment(raw);
    if (command.trim() === "") continue;
    const expect = /\bexit (\d+)\b/.exec(comment);
    out.push({ command: command.trim(), expect: expect ? Number(expect[1]) : 0 });
  }
  return out;
}

/** A bash script that runs the block's lines in order and exits 1 if any exits otherwise than its comment says. */
export function scriptOf(text: string, bin: string): string {
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const lines = [
    // `npx connect-backfill` resolves to this clone's bin (as npm exec does in a package's own folder), without
    // npm's own start-up per line; test/package/pack.test.ts runs the real npx from an installed tarball.
    `npx() { if [ "$1" = connect-backfill ]; then shift; node ${q(bin)} "$@"; else command npx "$@"; fi; }`,
    "__failed=0",
    `__check() { if [ "$1" != "$2" ]; then echo "DOCS: exit $1 where $2 was expected: $3" >&2; __failed=1; fi; }`,
  ];
  // As a reader pastes them: nothing waits for a process started in the background but the block's own lines
  // (`check --wait` for a simulator), so a block that races its simulator fails here as it would in a shell.
  for (const { command, expect } of commandsOf(text)) {
    // In the background, node itself, not the npx function's subshell: `kill %1` then stops the simulator, as it
    // stops npx and its child in a reader's interactive shell (job control signals the job's whole group).
    if (command.endsWith("&")) lines.push(command.replace(/^npx connect-backfill /, `node ${q(bin)} `));
    else lines.push(`${command}\n__check $? ${expect} ${q(command)}`);
  }
  lines.push("exit $__failed");
  return `${lines.join("\n")}\n`;
}
