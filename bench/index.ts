// `npm run bench [-- governor|ingest|order|changed|metrics|capture] [scenario filter]`: runs the benchmarks and
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
process.exit(0);
