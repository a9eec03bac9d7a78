import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { AppError } from "../app/AppError.js";
import type { AppContext } from "../app/context.js";
import { openBoard } from "./boardQueues.js";
import { dashboardRoutes, refuseCrossOrigin, refuseDotSegments } from "./routes.js";

export interface DashboardOptions {
  /** 0 for any free port (default 3000). */
  readonly port?: number;
  /** Default 127.0.0.1: only this machine. Any other address exposes a page without authentication. */
  readonly host?: string;
  /** Cancel/resume buttons and writable bull-board queues; read-only otherwise. */
  readonly allowActions?: boolean;
  /** How long a cancel waits for the chunks workers hold, as `cancel --wait` (default 30000). */
  readonly cancelWaitMs?: number;
  /** How often bull-board's set of queues is read again, for runs queued since (default 5000). */
  readonly refreshMs?: number;
  /** Runs listed and shown in bull-board, newest first (default 200). */
  readonly limit?: number;
  /** A request Redis does not answer within this long gets a 503 (default 10000). */
  readonly requestTimeoutMs?: number;
}

export interface Dashboard {
  /** `http://host:port`, with the port really bound. */
  readonly url: string;
  /** Said once at start (also logged): a dashboard open beyond this machine has no authentication. */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export const DASHBOARD_DEFAULTS = { port: 3000, host: "127.0.0.1", cancelWaitMs: 30_000, refreshMs: 5_000, limit: 200, requestTimeoutMs: 10_000 } as const;

/** 127.0.0.0/8, ::1 and localhost only: reachable from this machine alone. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

function check(opts: DashboardOptions): Required<DashboardOptions> {
  const o = {
    ...DASHBOARD_DEFAULTS,
    allowActions: false,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  } as Required<DashboardOptions>;
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new AppError(`dashboard: port must be an integer from 0 to 65535, got ${o.port}`);
  if (typeof o.host !== "string" || o.host.trim() === "") throw new AppError(`dashboard: host must be an address or a name, got "${o.host}"`);
  for (const k of ["cancelWaitMs", "refreshMs", "limit", "requestTimeoutMs"] as const) {
    if (!Number.isFinite(o[k]) || o[k] <= 0) throw new AppError(`dashboard: ${k} must be a positive number, got ${o[k]}`);
  }
  return o;
}

/**
 * The dashboard on one port: the runs (`/`), a run (`/runs/<id>`), their JSON
 * (`/api/runs`), the run reports, and bull-board at `/queues`. It only reads
 * Redis unless `allowActions`; then cancel and resume call the same functions
 * as the commands. `close` stops the server and the refresh; `ctx` stays the caller's.
 */
export async function startDashboard(ctx: AppContext, options: DashboardOptions = {}): Promise<Dashboard> {
  const opts = check(options);
  const warnings: string[] = [];
  if (!isLoopback(opts.host)) {
    warnings.push(
      `the dashboard listens on ${opts.host}, beyond this machine, and has no authentication: anyone who reaches the port sees every run${
        opts.allowActions ? " and can cancel or resume it" : ""
      }; put it behind a proxy that authenticates`,
    );
  }
  const board = await openBoard(ctx, { basePath: "/queues", allowActions: opts.allowActions, limit: opts.limit });

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.set({ "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY" });
    next();
  });
  app.use(refuseDotSegments);
  // DNS rebinding: a page of another site whose name now resolves to 127.0.0.1 sends its own name as Host
  // (and as Origin, so the origin check alone passes). Listening on loopback, only loopback names are answered.
  if (isLoopback(opts.host)) {
    app.use((req: Request, res: Response, next: NextFunction) => {
      const host = (req.headers.host ?? "").replace(/:\d+$/, "");
      if (isLoopback(host)) return next();
      res.status(403).type("text").send("this dashboard answers only to localhost or 127.0.0.1\n");
    });
  }
  app.use(refuseCrossOrigin);
  // These delete chunks outright: their rows would never get an outcome and the run would never end. Never from here.
  for (const route of [
    "/queues/api/queues/:queueName/empty",
    "/queues/api/queues/:queueName/obliterate",
    "/queues/api/queues/:queueName/clean/:queueStatus",
    "/queues/api/queues/:queueName/:jobId/clean",
  ]) {
    app.put(
      route,
      (_req, res) =>
        void res
          .status(403)
          .json({ error: "removing chunks from the dashboard is not possible: their rows would never get an outcome (use connect-backfill cancel)" }),
    );
  }
  // These would put rows into a run's queue or rewrite a chunk's rows: a worker would send them. Never from here.
  app.post("/queues/api/queues/:queueName/add", (_req, res) => void res.status(403).json({ error: "adding jobs from the dashboard is not possible" }));
  app.patch("/queues/api/queues/:queueName/:jobId/update-data", (_req, res) => void res.status(403).json({ error: "job data cannot be edited from the dashboard" }));
  app.use("/queues", board.router);
  app.use(dashboardRoutes(ctx, opts));
  app.use((_req: Request, res: Response) => void res.status(404).type("text").send("not found\n"));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    ctx.log.error({ err, path: req.path }, "dashboard request failed");
    if (!res.headersSent) res.status(500).type("text").send("the dashboard could not answer; see its log\n");
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new AppError(
          err.code === "EADDRINUSE"
            ? `dashboard: port ${opts.port} on ${opts.host} is in use; choose another with --port`
            : `dashboard: cannot listen on ${opts.host}:${opts.port} (${err.message})`,
        ),
      );
    };
    server.once("error", onError);
    server.listen(opts.port, opts.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (err) => ctx.log.error({ err }, "dashboard server error"));

  let refreshing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    refreshing = board.refresh().catch((err: unknown) => ctx.log.warn({ err }, "could not read the runs for bull-board; trying again"));
  }, opts.refreshMs);
  timer.unref();

  const { port } = server.address() as AddressInfo;
  const shownHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `http://${shownHost}:${port}`;
  for (const w of warnings) ctx.log.warn({ host: opts.host }, w);
  ctx.log.info({ url, allowActions: opts.allowActions }, "dashboard started");
  return {
    url,
    warnings,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Pages keep connections alive between their polls; a stop does not wait for them.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      await refreshing;
    },
  };
}
