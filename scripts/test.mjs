#!/usr/bin/env node
// `npm test`: provision what the tests need, build, lint, then run the lanes in order and
// print one closing line with the totals. A lane that cannot run fails with its reason;
// nothing is skipped silently.
//
// The emulated host's two kernel lines are built (`platpass bed build`, downloads and cross
// builds, minutes on a cold cache, a no-op on a warm one) in the background while the unit
// and qemu lanes run; the security lane, which times child processes, starts only once that
// build is over. A failed build fails nothing by itself: the bed lanes build again, and fail
// with the reason.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";

const lanes = (process.env.PLATPASS_LANES ?? "unit,qemu,security,bed,bed-6.12").split(",");

/** Runs one step with the terminal's stdio, without blocking the background build's output. */
function step(title, cmd, args) {
  process.stderr.write(`\n== ${title}: ${cmd} ${args.join(" ")}\n`);
  const started = Date.now();
  const child = spawn(cmd, args, { stdio: "inherit" });
  return new Promise((resolve) => {
    child.on("close", (code) => {
      process.stderr.write(
        `== ${title}: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      resolve(code ?? 1);
    });
  });
}

async function must(title, cmd, args) {
  const status = await step(title, cmd, args);
  if (status !== 0) {
    process.stderr.write(
      `npm test: '${title}' failed (exit ${status}); stopping before the lanes.\n`,
    );
    process.exit(status);
  }
}

// Provisioning is itself platpass code: compile the TypeScript first, install the Debian
// packages (the cross toolchain among them), then run the full build with the addon.
await must("compile", "npx", ["tsc", "-p", "tsconfig.json"]);
await must("provision", "node", ["bin/platpass.js", "provision", "--for", "tests"]);
await must("build", "npm", ["run", "build"]);
await must("lint", "npx", ["biome", "check", "."]);
// The tests against the types of what they test: a call that passes an argument nothing reads,
// or an option the runner does not take, fails here rather than passing unseen.
await must("type-check tests", "npx", ["tsc", "-p", "tsconfig.test.json"]);

rmSync(".test-results", { recursive: true, force: true });
mkdirSync(".test-results", { recursive: true });

/** `platpass bed build` for each kernel line the lanes boot, one after the other. */
function buildBeds(kernels) {
  if (kernels.length === 0) return Promise.resolve();
  const started = Date.now();
  process.stderr.write(`\n== bed build (${kernels.join(", ")}): in the background\n`);
  const script = kernels
    .map((k) => `node bin/platpass.js bed build --kernel ${k} || exit $?`)
    .join("\n");
  const child = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
  for (const from of [child.stdout, child.stderr]) {
    let rest = "";
    from.setEncoding("utf8");
    from.on("data", (text) => {
      const lines = (rest + text).split("\n");
      rest = lines.pop();
      for (const line of lines) process.stderr.write(`[bed build] ${line}\n`);
    });
  }
  return new Promise((resolve) => {
    child.on("close", (code) => {
      process.stderr.write(
        `== bed build: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s${code === 0 ? "" : " (the bed lanes build again and say why)"}\n`,
      );
      resolve();
    });
  });
}

const kernels = [
  ...(lanes.includes("bed") ? ["6.1"] : []),
  ...(lanes.includes("bed-6.12") ? ["6.12"] : []),
];
const built = buildBeds(kernels);
/** Lanes that may run while the build does: they time nothing against the clock. */
const BESIDE_BUILD = new Set(["unit", "qemu"]);
let passed = 0;
let failed = 0;
let worst = 0;
for (const lane of lanes) {
  if (!BESIDE_BUILD.has(lane)) await built;
  const out = `.test-results/${lane}.json`;
  const status = await step(`lane ${lane}`, "npx", [
    "vitest",
    "run",
    "--project",
    lane,
    // The other lanes run one file at a time (vitest.config.ts). The unit lane starts no
    // process and waits on nothing, so its files run side by side, two at a time on two cores.
    ...(lane === "unit" ? ["--fileParallelism", "--maxWorkers=2"] : []),
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
