import type { BackfillWorker } from "../worker/BackfillWorker.js";
import type { AppContext } from "./context.js";

/** Serves the worker's metrics when the config asks for a port; returns how to stop it. */
export async function metricsFor(ctx: AppContext, worker: BackfillWorker): Promise<() => Promise<void>> {
  const port = ctx.config.metricsPort;
  if (port === undefined) return async () => undefined;
  const { WorkerMetrics } = await import("../metrics/WorkerMetrics.js");
  const { serveMetrics } = await import("../metrics/metricsServer.js");
  const server = await serveMetrics(new WorkerMetrics(worker, ctx.store, ctx.queues), port);
  ctx.log.info({ url: server.url }, `metrics on ${server.url}`);
  return server.close;
}
