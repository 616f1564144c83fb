#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.mjs in turn (each imports the built dist/ and
// prints its own ratios against a baseline it measures in the same run), then a summary.
// Select some with PLATPASS_BENCH=name1,name2.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const only = process.env.PLATPASS_BENCH?.split(",");
const files = readdirSync("bench")
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => !only || only.includes(f.replace(".bench.mjs", "")))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n== bench ${f}\n`);
  const r = spawnSync("node", [`bench/${f}`], { stdio: "inherit" });
  if (r.status !== 0) failed += 1;
}
process.stdout.write(`\nbench: ${files.length - failed} ran, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
