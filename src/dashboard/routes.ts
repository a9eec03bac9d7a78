import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, realpath } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { AppError, RunNotFoundError } from "../app/AppError.js";
import { cancelRun } from "../app/cancelRun.js";
import type { AppContext } from "../app/context.js";
import { resumeRun } from "../app/resumeRun.js";
import { listRuns, runStatus } from "../app/status.js";
import { ConfigError } from "../config/ConfigError.js";
import { validateRunId } from "../config/loadConfig.js";
import { messagePage, runPage, runsPage } from "./pages.js";

export interface RoutesOptions {
  readonly allowActions: boolean;
  /** How long a cancel waits for the chunks workers hold (as `cancel --wait`). */
  readonly cancelWaitMs: number;
  /** Runs listed, newest first. */
  readonly limit: number;
  /** A request that Redis does not answer within this long gets a 503. */
  readonly requestTimeoutMs: number;
}

/** The header the pages send with an action; a cross-site form cannot set it. */
export const ACTION_HEADER = "x-connect-backfill";

export const ACTIONS_OFF =
  'actions are off: this dashboard is read-only; start it with "connect-backfill dashboard --allow-actions" to cancel or resume runs from it';

const ACTION_HEADER_MISSING = `an action needs the header "${ACTION_HEADER}: 1" (the dashboard's page sends it), so that a form on another site cannot trigger it`;

/** Inline script and style of the page only; nothing else loads, nothing frames the page. */
function pageHeaders(res: Response, nonce: string): void {
  res.set({
    "Content-Security-Policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    "Cache-Control": "no-store",
  });
}

function sendError(res: Response, status: number, error: string): void {
  res.status(status).set("Cache-Control", "no-store").json({ error });
}

class Timeout extends Error {}

function timed<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The dashboard's own routes: pages, their JSON, the run reports (read-only,
 * only `<reportsDir>/<runId>/report.html`), and cancel/resume through the same
 * functions as the commands.
 */
export function dashboardRoutes(ctx: AppContext, opts: RoutesOptions): Router {
  const router = express.Router();
  const reportsDir = resolve(ctx.config.reportsDir);

  /** The run id of the route, checked; a 400 (and undefined) for anything else. */
  const runIdOf = (req: Request, res: Response, page: boolean): string | undefined => {
    try {
      return validateRunId(String(req.params.runId), "the run id");
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (page) res.status(400).type("html").send(messagePage("Not a run id", err.message));
      else sendError(res, 400, err.message);
      return undefined;
    }
  };

  /** An API answer: RunNotFound is 404, a refusal (AppError) 409, Redis silent 503, anything else 500 (logged, not shown). */
  const api =
    (handler: (req: Request, res: Response) => Promise<void>, timeoutMs = opts.requestTimeoutMs) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await timed(handler(req, res), timeoutMs);
      } catch (err) {
        if (res.headersSent) return;
        if (err instanceof RunNotFoundError) sendError(res, 404, err.message);
        else if (err instanceof AppError) sendError(res, 409, err.message);
        else if (err instanceof Timeout) sendError(res, 503, `no answer from Redis within ${timeoutMs / 1000} s; the dashboard keeps trying`);
        else {
          ctx.log.error({ err, path: req.path }, "dashboard request failed");
          sendError(res, 500, "the dashboard could not answer; see its log");
        }
      }
    };

  router.get("/", (_req, res) => {
    const nonce = randomBytes(16).toString("base64");
    pageHeaders(res, nonce);
    res.type("html").send(runsPage(nonce));
  });

  router.get(
    "/api/runs",
    api(async (_req, res) => {
      res.set("Cache-Control", "no-store").json(await listRuns(ctx, opts.limit));
    }),
  );

  router.get(
    "/api/runs/:runId",
    api(async (req, res) => {
      const runId = runIdOf(req, res, false);
      if (!runId) return;
      const status = await runStatus(ctx, runId);
      res.set("Cache-Control", "no-store").json({ ...status, reportWritten: existsSync(join(reportsDir, runId, "report.html")) });
    }),
  );

  const action = (name: "cancel" | "resume") =>
    api(
      async (req, res) => {
        if (!opts.allowActions) return sendError(res, 403, ACTIONS_OFF);
        if (req.get(ACTION_HEADER) !== "1") return sendError(res, 403, ACTION_HEADER_MISSING);
        const runId = runIdOf(req, res, false);
        if (!runId) return;
        if (name === "cancel") {
          const r = await cancelRun(ctx, runId, opts.cancelWaitMs);
          const message = r.alreadyFinished
            ? `run ${runId} was already finished; nothing to cancel`
            : `run ${runId} cancelled: ${r.settled} queued rows cancelled` +
              (r.inWorkers > 0 ? `; ${r.inWorkers} rows are still with workers and become cancelled when their calls in flight end` : "");
          res.json({ runId, alreadyFinished: r.alreadyFinished, settled: r.settled, inWorkers: r.inWorkers, message });
        } else {
          const r = await resumeRun(ctx, runId);
          res.json({ runId, parked: r.parked, failed: r.failed, message: `run ${runId} resumed: ${r.parked} parked and ${r.failed} failed chunks queued again` });
        }
        // A cancel waits up to cancelWaitMs for the workers' chunks, then writes the reports.
      },
      opts.cancelWaitMs + 4 * opts.requestTimeoutMs,
    );
  router.post("/api/runs/:runId/cancel", action("cancel"));
  router.post("/api/runs/:runId/resume", action("resume"));

  router.get("/runs/:runId", async (req, res, next) => {
    const runId = runIdOf(req, res, true);
    if (!runId) return;
    try {
      await timed(runStatus(ctx, runId), opts.requestTimeoutMs);
    } catch (err) {
      if (err instanceof RunNotFoundError) return void res.status(404).type("html").send(messagePage("No such run", err.message));
      if (!(err instanceof Timeout)) return next(err);
      // Redis is slow: the page itself says so while it polls.
    }
    const nonce = randomBytes(16).toString("base64");
    pageHeaders(res, nonce);
    res.type("html").send(runPage(runId, nonce, opts.allowActions));
  });

  router.get("/runs/:runId/report.html", async (req, res, next) => {
    const runId = runIdOf(req, res, true);
    if (!runId) return;
    const file = join(reportsDir, runId, "report.html");
    try {
      // The real file must be inside the real reports folder (a symlinked run folder is not followed out).
      const [real, base] = await Promise.all([realpath(file), realpath(reportsDir)]);
      if (!real.startsWith(base + sep))
        return void res
          .status(404)
          .type("html")
          .send(messagePage("No report", `no report for run ${runId}`));
      const html = await readFile(real);
      // The report is static: no script runs in it, nothing is fetched.
      res.set({ "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'", "Cache-Control": "no-store" });
      res.type("html").send(html);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return void res
          .status(404)
          .type("html")
          .send(messagePage("No report yet", `the report of run ${runId} is not written yet (it is when the run ends)`));
      }
      next(err);
    }
  });

  return router;
}

/**
 * Refuses a path with a `.` or `..` segment (raw or percent-encoded) or an encoded
 * slash: no route here needs one, and none may reach outside the reports folder.
 */
export function refuseDotSegments(req: Request, res: Response, next: NextFunction): void {
  const path = req.path;
  for (const raw of path.split("/")) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return void res.status(400).type("text").send("bad path: a segment is not valid percent-encoding\n");
    }
    if (seg === "." || seg === ".." || seg.includes("/") || seg.includes("\\") || seg.includes("\0")) {
      return void res.status(400).type("text").send("bad path: no segment may be . or .. or hold a slash\n");
    }
  }
  next();
}

/**
 * A state-changing request from a page of another origin is refused: browsers
 * send Origin with every such request, so a cross-site form cannot reach
 * bull-board's write routes or the dashboard's actions.
 */
export function refuseCrossOrigin(req: Request, res: Response, next: NextFunction): void {
  const origin = req.get("origin");
  if (req.method === "GET" || req.method === "HEAD" || origin === undefined) {
    next();
    return;
  }
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === req.get("host")) next();
  else sendError(res, 403, `a request from another site (${origin}) cannot change anything here`);
}
