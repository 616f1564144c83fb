// The CLI as whole processes, each against a baseline process measured in the same rounds.
// Here: `platpass dtb` of AMD Seattle's two xgbe ports offline (the board DTB from Debian's
// arm64 kernel package, the base DTB cached) against one bare `qemu-system-aarch64 -M
// virt,dumpdtb=` run, and `platpass --version` / `plan --help` against `node -e 1`. Then in
// the emulated ARM host (one boot; TCG, the checkout over 9p), where every module file a
// command reads is slow the first time: `--version`, `plan --help` and `list --json` against
// `node -e 1`, each run's first time in the boot apart from the rounds after it.
// Targets: dtb within 3x of the dump; --help within 2x of node, here and there; list --json
// under 5 s there. PLATPASS_BENCH_BED=0 leaves the emulated host out.
//
// `dtb` is measured on each Node a user may run it with: the one on PATH, the newer release the
// package is also tested on, and, where NODE_EXTRA_CA_CERTS is set (as on CI machines behind a
// TLS proxy), the PATH Node without it: Node 20 parses that file's certificates, and its own
// bundled ones, at start, before any of platpass's code runs. Each Node's `node -e 1` is shown
// beside it, so what Node costs and what platpass adds can be told apart.
//
// The machine is shared, so load drifts during a run: the processes are run in alternating
// rounds and each ratio is the median of the per-round ratios.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInBed } from "../dist/bed/index.js";
import { NEWER_NODE_VERSION, nodeRelease } from "../dist/bed/node.js";
import { cacheRoot } from "../dist/env/cache.js";
import { debianPackage, newestArm64KernelAbi } from "../dist/env/debian.js";
import { findQemu } from "../dist/qemu/binary.js";

const ROUNDS = Number(process.env.PLATPASS_BENCH_ROUNDS ?? 11);
const bin = new URL("../bin/platpass.js", import.meta.url).pathname;

// The CLI bundle anew, so the CLI measured is the one src/ makes now (bin/platpass.js runs
// tsc's dist/ instead of a bundle older than it).
const bundler = new URL("../scripts/bundle-cli.mjs", import.meta.url).pathname;
const bundled = spawnSync(process.execPath, [bundler], { stdio: "inherit" });
if (bundled.status !== 0) throw new Error(`scripts/bundle-cli.mjs exited ${bundled.status}`);
const mtime = (path) => statSync(new URL(path, import.meta.url)).mtimeMs;
/** Throws when a tsc since the bundle (other work in the checkout) made bin/ run dist/cli/. */
function stillBundled() {
  if (mtime("../dist/cli/main.js") > mtime("../dist/cli-bundle/main.cjs")) {
    throw new Error("tsc compiled dist/ during the run: bin/platpass.js ran dist/cli/ since");
  }
}

const abi = await newestArm64KernelAbi();
const pkg = await debianPackage(`linux-image-${abi}`, "arm64");
const seattle = join(pkg.root, "usr/lib", `linux-image-${abi}`, "amd/amd-overdrive-rev-b1.dtb");
const qemu = (await findQemu()).path;

const work = mkdtempSync(join(tmpdir(), "platpass-cli-bench-"));
const config = join(work, "xgbe.json");
writeFileSync(
  config,
  JSON.stringify({
    machine: { accel: "tcg" },
    devices: [{ host: "e0700000.xgmac" }, { host: "e0900000.xgmac" }],
  }),
);

const newer = await nodeRelease(join(cacheRoot(), "node"), NEWER_NODE_VERSION, "x64", (l) =>
  process.stderr.write(`${l}\n`),
);
const withoutCerts = { ...process.env };
delete withoutCerts.NODE_EXTRA_CA_CERTS;
const onPath = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout.trim();
/** The Nodes `dtb` runs on: label, binary, environment. */
const nodes = [
  [`${onPath} (PATH)`, "node", process.env],
  [`v${NEWER_NODE_VERSION}`, newer.binary, process.env],
  ...(process.env.NODE_EXTRA_CA_CERTS
    ? [[`${onPath} without NODE_EXTRA_CA_CERTS`, "node", withoutCerts]]
    : []),
];
const PATH_NODE = `node ${nodes[0][0]}`;

const dtbArgs = [bin, "dtb", config, "--host-dtb", seattle, "-o", join(work, "guest.dtb")];
const processes = {
  dump: [qemu, "-M", `virt,dumpdtb=${join(work, "virt.dtb")}`, "-nodefaults", "-display", "none"],
  ...Object.fromEntries(
    nodes.flatMap(([label, node, env]) => [
      [`node ${label}`, { argv: [node, "-e", "1"], env }],
      [`dtb ${label}`, { argv: [node, ...dtbArgs], env }],
    ]),
  ),
  version: ["node", bin, "--version"],
  help: ["node", bin, "plan", "--help"],
};

/** Wall milliseconds of one run of the process (argv, or argv and env), which must succeed. */
function run(p) {
  const { argv, env } = Array.isArray(p) ? { argv: p, env: process.env } : p;
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The first dtb dumps the base DTB into the cache and makes each Node's code cache (and every
// first run reads from disk).
for (const p of Object.values(processes)) run(p);

const samples = Object.fromEntries(Object.keys(processes).map((k) => [k, []]));
for (let i = 0; i < ROUNDS; i++) {
  for (const [name, p] of Object.entries(processes)) samples[name].push(run(p));
}
rmSync(work, { recursive: true, force: true });
stillBundled();

const ms = (name) => `${median(samples[name]).toFixed(0)} ms`;
const ratio = (name, base) => median(samples[name].map((t, i) => t / samples[base][i]));
const verdict = (r, target) => `[target <= ${target}x: ${r <= target ? "met" : "MISSED"}]`;

console.log(`board: ${seattle}; QEMU: ${qemu}; ${ROUNDS} rounds, medians`);
console.log(`baseline: one bare 'qemu-system-aarch64 -M virt,dumpdtb=' run: ${ms("dump")}`);
for (const [label] of nodes) {
  const dtb = ratio(`dtb ${label}`, "dump");
  const own = ratio(`node ${label}`, "dump");
  console.log(
    `platpass dtb, 2 xgbe ports offline, Node ${label}: ${ms(`dtb ${label}`)} = ${dtb.toFixed(2)}x the dump  ${verdict(dtb, 3)}; that Node's node -e 1: ${ms(`node ${label}`)} = ${own.toFixed(2)}x`,
  );
}
console.log(`baseline: node -e 1 (PATH): ${ms(PATH_NODE)}`);
console.log(
  `platpass --version: ${ms("version")} = ${ratio("version", PATH_NODE).toFixed(2)}x node`,
);
const help = ratio("help", PATH_NODE);
console.log(`platpass plan --help: ${ms("help")} = ${help.toFixed(2)}x node  ${verdict(help, 2)}`);

if (process.env.PLATPASS_BENCH_BED !== "0") {
  const BED_ROUNDS = 3;
  const inBed = {
    node: "node -e 1",
    version: "platpass --version",
    help: "platpass plan --help",
    list: "platpass list --json",
  };
  // Every command once first, timed apart: the first run of anything in a boot reads node, its
  // libraries and (the checkout is cached for a job) the command's modules in over 9p.
  const timed = (tag, name, c) =>
    `a=$(date +%s%N); ${c} >/dev/null 2>&1 || echo "@@failed ${name}"; b=$(date +%s%N); echo "@@${tag} ${name} $(( (b - a) / 1000000 ))"`;
  const script = [
    ...Object.entries(inBed).map(([name, c]) => timed("first", name, c)),
    `for i in $(seq ${BED_ROUNDS}); do`,
    ...Object.entries(inBed).map(([name, c]) => `  ${timed("ms", name, c)}`),
    "done",
  ];
  const r = await runInBed({
    command: ["sh", "-c", script.join("\n")],
    timeoutMs: 3_600_000,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  stillBundled();
  const failed = [...r.output.matchAll(/^@@failed (\w+)/gm)].map((m) => m[1]);
  if (r.exitCode !== 0 || failed.length > 0) {
    throw new Error(`in the emulated host: exit ${r.exitCode}, failed: ${failed.join(", ")}`);
  }
  const bed = Object.fromEntries(Object.keys(inBed).map((k) => [k, []]));
  for (const m of r.output.matchAll(/^@@ms (\w+) (\d+)/gm)) bed[m[1]].push(Number(m[2]));
  const first = Object.fromEntries(
    [...r.output.matchAll(/^@@first (\w+) (\d+)/gm)].map((m) => [m[1], Number(m[2]) / 1000]),
  );
  console.log(
    `emulated ARM host, first run in the boot: ${Object.entries(first)
      .map(([name, s]) => `${inBed[name]} ${s.toFixed(2)} s`)
      .join(", ")}`,
  );
  const bedMs = (name) => `${(median(bed[name]) / 1000).toFixed(2)} s`;
  const bedRatio = (name) => median(bed[name].map((t, i) => t / bed.node[i]));
  console.log(
    `emulated ARM host, one boot, ${BED_ROUNDS} rounds: baseline node -e 1: ${bedMs("node")}`,
  );
  console.log(
    `  platpass --version: ${bedMs("version")} = ${bedRatio("version").toFixed(2)}x node`,
  );
  const bedHelp = bedRatio("help");
  console.log(
    `  platpass plan --help: ${bedMs("help")} = ${bedHelp.toFixed(2)}x node  ${verdict(bedHelp, 2)}`,
  );
  const list = median(bed.list) / 1000;
  console.log(
    `  platpass list --json: ${bedMs("list")} = ${bedRatio("list").toFixed(2)}x node  [target < 5 s: ${list < 5 ? "met" : "MISSED"}]`,
  );
}
