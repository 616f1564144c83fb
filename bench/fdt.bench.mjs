// Device-tree codec: read+write of the largest DTB in Debian's arm64 kernel package,
// in-process, against spawning `dtc -I dtb -O dtb` on the same file, in the same run.
// Target: the in-process round trip at least 20x faster than the dtc process.
//
// The machine is shared, so load drifts during a run: the two are measured in alternating
// rounds and the reported ratio is the median of the per-round ratios.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readDtb, writeDtb } from "../dist/fdt/index.js";
import { largestDebianDtb } from "./largest-dtb.mjs";

const TARGET = 20;
const ROUNDS = 9;

/** Mean milliseconds per call of fn, over at least `minRuns` calls and `ms` milliseconds. */
function measure(fn, ms, minRuns) {
  let runs = 0;
  const start = performance.now();
  while (runs < minRuns || performance.now() - start < ms) {
    fn();
    runs++;
  }
  return (performance.now() - start) / runs;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { path, size, shown } = await largestDebianDtb();
const blob = new Uint8Array(readFileSync(path));
const roundTrip = () => writeDtb(readDtb(blob));
const dtc = () => {
  const r = spawnSync("dtc", ["-q", "-I", "dtb", "-O", "dtb", "-o", "/dev/null", path]);
  if (r.status !== 0) throw new Error(`dtc failed: ${r.stderr}`);
};

measure(roundTrip, 500, 50); // warm-up: let the JIT settle
const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  const ours = measure(roundTrip, 400, 20);
  const theirs = measure(dtc, 400, 5);
  rounds.push({ ours, theirs, ratio: theirs / ours });
}

const ratio = median(rounds.map((r) => r.ratio));
const us = (ms) => `${(ms * 1000).toFixed(0)} us`;
console.log(`file:        ${shown} (${size} bytes)`);
console.log(
  `in-process:  ${us(median(rounds.map((r) => r.ours)))} per read+write (median of ${ROUNDS} rounds)`,
);
console.log(
  `dtc process: ${us(median(rounds.map((r) => r.theirs)))} per dtc -I dtb -O dtb (median of ${ROUNDS} rounds)`,
);
console.log(`per-round ratios: ${rounds.map((r) => r.ratio.toFixed(1)).join(" ")}`);
console.log(
  `ratio:       ${ratio.toFixed(1)}x faster in-process (target >= ${TARGET}x: ${ratio >= TARGET ? "met" : "MISSED"})`,
);
process.exit(ratio >= TARGET ? 0 : 1);
