#!/usr/bin/env node
// `npm test`: provision what the tests need, build, lint, then run the three lanes in
// order (unit, qemu, bed) and print one closing line with the totals. A lane that cannot
// run fails with its reason; nothing is skipped silently.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";

const lanes = (process.env.PLATPASS_LANES ?? "unit,security,qemu,bed").split(",");

function step(title, cmd, args) {
  process.stderr.write(`\n== ${title}: ${cmd} ${args.join(" ")}\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  process.stderr.write(
    `== ${title}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return r.status ?? 1;
}

function must(title, cmd, args) {
  const status = step(title, cmd, args);
  if (status !== 0) {
    process.stderr.write(
      `npm test: '${title}' failed (exit ${status}); stopping before the lanes.\n`,
    );
    process.exit(status);
  }
}

// Provisioning is itself platpass code: compile the TypeScript first, install the Debian
// packages (the cross toolchain among them), then run the full build with the addon.
must("compile", "npx", ["tsc", "-p", "tsconfig.json"]);
must("provision", "node", ["bin/platpass.js", "provision", "--for", "tests"]);
must("build", "npm", ["run", "build"]);
must("lint", "npx", ["biome", "check", "."]);

rmSync(".test-results", { recursive: true, force: true });
mkdirSync(".test-results", { recursive: true });
let passed = 0;
let failed = 0;
let worst = 0;
for (const lane of lanes) {
  const out = `.test-results/${lane}.json`;
  const status = step(`lane ${lane}`, "npx", [
    "vitest",
    "run",
    "--project",
    lane,
    // Vitest runs one worker fewer than the cores: one, on two. The unit lane starts no
    // process and waits on nothing, so it uses both; the other lanes run one file at a time
    // (fileParallelism: false in vitest.config.ts).
    ...(lane === "unit" ? ["--maxWorkers=2"] : []),
    "--reporter=default",
    "--reporter=json",
    `--outputFile=${out}`,
  ]);
  try {
    const r = JSON.parse(readFileSync(out, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    if (r.numTotalTests === 0) {
      process.stderr.write(`lane ${lane}: no tests ran — counted as a failure\n`);
      failed += 1;
    }
  } catch {
    process.stderr.write(
      `lane ${lane}: no results written (exit ${status}) — counted as a failure\n`,
    );
    failed += 1;
  }
  if (status !== 0) worst = status;
}
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || worst !== 0 ? 1 : 0);
