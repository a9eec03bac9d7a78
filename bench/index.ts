// `npm run bench [-- governor|ingest|order|changed|metrics|capture|redis|core|headroom|workbook|start|quota|waits|unthrottled|workermem] [scenario filter]`: runs the benchmarks and
// writes their tables, baselines included, to BENCHMARKS.md.
import { benchGovernor } from "./governor.js";

const [which, filter] = process.argv.slice(2);
if (!which || which === "governor") await benchGovernor(filter);
if (!which || which === "ingest") {
  const { benchIngest } = await import("./ingest.js");
  await benchIngest();
}
if (!which || which === "order") {
  const { benchContactOrder } = await import("./contactOrder.js");
  await benchContactOrder();
}
if (!which || which === "changed") {
  const { benchOnlyChanged } = await import("./onlyChanged.js");
  await benchOnlyChanged();
}
if (!which || which === "metrics") {
  const { benchMetricsCost } = await import("./metricsCost.js");
  await benchMetricsCost();
}
if (!which || which === "capture") {
  const { benchCaptureCost } = await import("./captureCost.js");
  await benchCaptureCost();
}
if (!which || which === "redis") {
  const { benchRedisFootprint } = await import("./redisFootprint.js");
  await benchRedisFootprint();
}
if (!which || which === "core") {
  const { benchOneCore } = await import("./oneCore.js");
  await benchOneCore();
}
if (!which || which === "headroom") {
  const { benchHeadroom } = await import("./headroom.js");
  await benchHeadroom();
}
if (!which || which === "workbook") {
  const { benchWorkbookCost } = await import("./workbookCost.js");
  await benchWorkbookCost();
}
if (!which || which === "start") {
  const { benchStart } = await import("./start.js");
  await benchStart();
}
if (!which || which === "quota") {
  const { benchQuota } = await import("./quotaScope.js");
  await benchQuota();
}
if (!which || which === "unthrottled") {
  const { benchUnthrottled } = await import("./unthrottled.js");
  await benchUnthrottled();
}
if (!which || which === "workermem") {
  const { benchWorkerMemory } = await import("./workerMemory.js");
  await benchWorkerMemory();
}
if (!which || which === "waits") {
  const { benchUserWaits } = await import("./userWaits.js");
  await benchUserWaits();
}
process.exit(0);
