import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadedJob } from "../app/jobConfig.js";
import type { Config, ConfigFlags } from "../config/loadConfig.js";
import { BackfillError, type ExitCategory } from "../lib/errors.js";
import { scrub } from "../lib/scrub.js";
import { EXIT, fatalError, usageError } from "./exitCodes.js";
import { parseArgs, unknownFlag } from "./parseArgs.js";
import { hardExitCode } from "./stopSignals.js";
import type { Command } from "./commands/Command.js";
import type { ALL_FLAGS } from "../config/options.js";

/** The one place an error's category becomes an exit code; anything not a BackfillError is an internal error (1). */
const EXIT_OF: Readonly<Record<ExitCategory, number>> = { usage: EXIT.usage, "cannot-run": EXIT.couldNotRun };

/** A flag of other commands given to this one: said as such (and why, when the command knows), not as a typo. */
function notTaken(allFlags: typeof ALL_FLAGS, name: string, command: Command, flag: string): string | undefined {
  const doc = allFlags.find((f) => f.flag === flag);
  if (!doc) return undefined;
  const others = doc.commands.map((c) => `"${c}"`).join(", ");
  return `${name} does not take --${flag}${command.notTaken ? `: ${command.notTaken}` : ""}; it is an option of ${others} ("connect-backfill help ${name}" lists what ${name} takes)`;
}

/** From package.json, two folders up from both src/cli and dist/cli. */
function version(): string {
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Parses argv, runs one command, and maps every error to an exit code and one sentence. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`connect-backfill ${version()}\n`);
    return EXIT.ok;
  }
  // Everything else loads here, after --version: the first keystroke waits for what its command needs only
  // (each command's run() loads its own Redis, BullMQ, SDK or web server; see bench/start.ts).
  const [{ commands, HELP }, { usageWithFlags }, { loadConfig }, { ALL_FLAGS: allFlags }] = await Promise.all([
    import("./commands/index.js"),
    import("./flagHelp.js"),
    import("../config/loadConfig.js"),
    import("../config/options.js"),
  ]);
  if (name === "help" && rest[0] !== undefined) {
    const cmd = commands[rest[0]];
    if (!cmd) {
      process.stderr.write(`connect-backfill: unknown command "${rest[0]}"; run "connect-backfill help"\n`);
      return EXIT.usage;
    }
    process.stdout.write(`${usageWithFlags(cmd.usage, cmd.flags)}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands[name];
  // A job's night (`run`/`enqueue` of a job file) that ends in an error is told like any end (history, webhook, `run ended`).
  let night: { jobPath: string; job?: LoadedJob; config?: Config; flags: Record<string, string | number | boolean> } | undefined;
  try {
    if (!command) throw usageError(`unknown command "${name}"; run "connect-backfill help"`);
    const spec = { ...command.flags, help: "boolean" } as const;
    const args = parseArgs(rest, spec, name, (flag) => notTaken(allFlags, name, command, flag) ?? unknownFlag(name, flag, spec));
    if (args.flags.help) {
      process.stdout.write(`${usageWithFlags(command.usage, command.flags)}\n`);
      return EXIT.ok;
    }
    if (args.positionals.length < command.positionals[0] || args.positionals.length > command.positionals[1]) {
      throw usageError(`usage: ${command.usage.split("\n")[0]}`);
    }
    // A job file as the first argument: its settings go under the command line's flags.
    const first = args.positionals[0];
    let job: LoadedJob | undefined;
    let flags = args.flags;
    if (command.takesJobFile && first?.toLowerCase().endsWith(".json")) {
      // A missing file is said as such (exit 1), as for any input file: one sentence. It holds no job to tell a
      // night's end of (no name, no webhook, no history), so it is no night: `run notes.json` is a typo, not a job.
      if (!existsSync(first)) throw fatalError(`${resolvePath(first)}: no such file.`);
      if (name === "run" || name === "enqueue") night = { jobPath: first, flags: args.flags };
      const { openJobFile } = await import("../app/jobConfig.js");
      ({ job, flags } = await openJobFile(first, args.flags));
      if (night) night.job = job;
    }
    const config = loadConfig(flags as ConfigFlags, process.env, { interactive: Boolean(process.stderr.isTTY), runIdList: command.runIdList === true });
    if (night) night.config = config;
    return await command.run({ config, positionals: args.positionals, flags, ...(job ? { job } : {}) });
  } catch (caught) {
    // A sentence of ours is said as it is; anything else may be a Redis refusal, judged by a module loaded only then.
    const err = caught instanceof BackfillError ? caught : (await import("../app/knownError.js")).knownError(caught);
    let code: number = EXIT.couldNotRun;
    let said: string;
    if (err instanceof BackfillError) {
      said = scrub(err.message);
      process.stderr.write(`connect-backfill: ${said}\n`);
      code = EXIT_OF[err.category];
    } else {
      const e = err as Error;
      said = `could not run: ${scrub(e.message)}`;
      process.stderr.write(`connect-backfill: ${said}\n`);
      if (process.env.CONNECT_BACKFILL_DEBUG) process.stderr.write(`${e.stack ?? ""}\n`);
    }
    if (night) {
      const { tellNightNotStarted } = await import("../app/nightNotStarted.js");
      await tellNightNotStarted({ ...night, env: process.env, reason: said, exitCode: code, error: caught });
    }
    return code;
  }
}

// Run only as the program itself (bin/connect-backfill.js, or `tsx src/cli/main.ts`), never on import.
function isEntry(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  if (/connect-backfill(\.js)?$/.test(arg)) return true;
  try {
    return realpathSync(arg) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (isEntry()) {
  // Node's own report of an unhandled error prints the whole object: an ioredis
  // error carries the command's arguments, which hold rows' values. One line instead.
  const oneLine = (err: unknown) => (err instanceof Error ? `${err.name}: ${scrub(err.message)}` : scrub(String(err)));
  process.on("unhandledRejection", (err) => {
    // A worker keeps going: its chunks are safe in Redis, and one lost promise must not stop every run.
    process.stderr.write(`connect-backfill: internal error (going on): ${oneLine(err)}\n`);
  });
  process.on("uncaughtException", (err) => {
    process.stderr.write(`connect-backfill: internal error: ${oneLine(err)}\n`);
    process.exit(EXIT.couldNotRun);
  });
  main(process.argv.slice(2)).then(
    (returned) => {
      // A second signal's exit code wins over what the command returned once its calls were cut short.
      const code = hardExitCode() ?? returned;
      process.exitCode = code;
      // Sockets kept alive by the SDK or Redis must not hold a finished command open: ended now (a Redis socket
      // closing after QUIT held two runs in three for the whole 200 ms that were waited here before). Output
      // still being written (a pipe is asynchronous outside Linux) gets up to 200 ms.
      if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
      setTimeout(() => process.exit(code), 200).unref();
    },
    (err: unknown) => {
      process.stderr.write(`connect-backfill: could not run: ${scrub(String(err))}\n`);
      process.exit(EXIT.couldNotRun);
    },
  );
}
