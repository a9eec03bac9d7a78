// Writes what is derived from src/config/options.ts into files people and editors read:
// docs/configuration.md's table (between its markers) and src/jobs/job.schema.json.
// Run `npx tsx scripts/write-option-docs.ts` after changing an option; test/config/options.test.ts fails until then.
import { readFileSync, writeFileSync } from "node:fs";
import { configTable, TABLE_END, TABLE_START } from "../src/config/configTable.js";
import { JOB_SCHEMA } from "../src/jobs/jobSchema.js";

const root = new URL("../", import.meta.url);
const readmeUrl = new URL("docs/configuration.md", root);
const readme = readFileSync(readmeUrl, "utf8");
const start = readme.indexOf(TABLE_START);
const end = readme.indexOf(TABLE_END);
if (start === -1 || end < start) {
  console.error(`docs/configuration.md has no "${TABLE_START}" … "${TABLE_END}" section`);
  process.exit(1);
}
writeFileSync(readmeUrl, `${readme.slice(0, start + TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`);
writeFileSync(new URL("src/jobs/job.schema.json", root), `${JSON.stringify(JOB_SCHEMA, null, 2)}\n`);
console.log("wrote docs/configuration.md's table and src/jobs/job.schema.json");
