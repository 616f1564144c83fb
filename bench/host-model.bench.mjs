// Offline host model (`list --host-dtb`'s work: read the DTB, populate, name, translate reg,
// resolve interrupts): time per MB on the largest DTB in Debian's arm64 kernel package, the
// baseline, against a synthetic tree 100 times its size (its root's children copied 100
// times under simple-bus nodes), in the same run. Linear walks keep the two per-MB times
// alike; target: the synthetic one's per-MB time at most 3x the baseline's.
//
// The machine is shared: the two are measured in alternating rounds and the reported ratio
// is the median of the per-round ratios.
import { readFileSync } from "node:fs";
import { cells, empty, Fdt, FdtNode, readDtb, str, writeDtb } from "../dist/fdt/index.js";
import { hostFromDtb } from "../dist/host/dt/offline.js";
import { largestDebianDtb } from "./largest-dtb.mjs";

const TARGET = 3;
const ROUNDS = 5;
const COPIES = 100;

/** `from`'s properties and subtree copied under `to`, with an explicit stack. */
function copyInto(from, to) {
  const stack = [[from, to]];
  while (stack.length > 0) {
    const [src, dst] = stack.pop();
    for (const [name, v] of src.properties) dst.attachProperty(name, v);
    for (const c of src.childNodes()) stack.push([c, dst.attachChild(c.name)]);
  }
}

function synthetic(real) {
  const root = new FdtNode("");
  for (const [name, v] of real.root.properties) root.attachProperty(name, v);
  for (let i = 0; i < COPIES; i++) {
    const copy = root.attachChild(`copy${i}`);
    copyInto(real.root, copy);
    copy.deleteProperty("compatible");
    copy.setProperty("compatible", str("simple-bus")).setProperty("ranges", empty());
  }
  root.setProperty("#address-cells", real.root.property("#address-cells") ?? cells(2));
  return writeDtb(new Fdt(root));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Milliseconds per MB of input for one model build, the best of `runs`. */
function perMb(blob, runs) {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    hostFromDtb(readDtb(blob));
    best = Math.min(best, performance.now() - start);
  }
  return best / (blob.length / 1e6);
}

const { path, size, shown } = await largestDebianDtb();
const real = new Uint8Array(readFileSync(path));
const big = synthetic(readDtb(real));

perMb(real, 20); // warm-up: let the JIT settle
const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  const base = perMb(real, 20);
  const large = perMb(big, 1);
  rounds.push({ base, large, ratio: large / base });
}
const ratio = median(rounds.map((r) => r.ratio));
const rss = process.resourceUsage().maxRSS / 1024;
console.log(`baseline:   ${shown} (${size} bytes)`);
console.log(`synthetic:  ${COPIES} copies of its root's children (${big.length} bytes)`);
console.log(
  `baseline:   ${median(rounds.map((r) => r.base)).toFixed(1)} ms per MB (median of ${ROUNDS} rounds)`,
);
console.log(
  `synthetic:  ${median(rounds.map((r) => r.large)).toFixed(1)} ms per MB (median of ${ROUNDS} rounds)`,
);
console.log(`per-round ratios: ${rounds.map((r) => r.ratio.toFixed(2)).join(" ")}`);
console.log(
  `peak RSS:   ${rss.toFixed(0)} MB (${(rss / (big.length / 1048576)).toFixed(0)}x the synthetic input)`,
);
console.log(
  `ratio:      ${ratio.toFixed(2)}x the baseline's time per MB (target <= ${TARGET}x: ${ratio <= TARGET ? "met" : "MISSED"})`,
);
process.exit(ratio <= TARGET ? 0 : 1);
