// The CLI's window on a job's night guards (cli imports app/ only): what it prints of a judged night.
export { type NightGuards, type NightReading, nightFigures, percent } from "../domain/run/nightGuards.js";
