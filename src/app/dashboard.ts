import { type Dashboard, type DashboardOptions, startDashboard } from "../dashboard/dashboardServer.js";
import type { AppContext } from "./context.js";

/** `connect-backfill dashboard`: the runs' web page (and bull-board) on this context's Redis until closed. */
export function openDashboard(ctx: AppContext, options: DashboardOptions): Promise<Dashboard> {
  return startDashboard(ctx, options);
}
