// machvirt: planning the platform bus in-process — reading the cached base DTB, allocating
// 1 or 64 devices, assembling their guest nodes and writing the DTB — against one bare
// `qemu-system-aarch64 -M virt,dumpdtb=` run, measured in the same process and run.
// Target: 64 devices planned in under 5% of one QEMU dump.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MachineSchema } from "../dist/config/schema.js";
import { readDtb, str, writeDtb } from "../dist/fdt/index.js";
import { baseDtb } from "../dist/machvirt/base-dtb.js";
import { assembleGuestDtb } from "../dist/machvirt/guest-dt.js";
import { placeDevices } from "../dist/machvirt/platform-bus.js";
import { machineOf } from "../dist/plan/qemu-args.js";
import { findQemu } from "../dist/qemu/binary.js";

const TARGET = 0.05;

/** Runs fn repeatedly for at least `ms` (after a warm-up); mean milliseconds per call. */
function measure(fn, ms, minRuns) {
  for (let i = 0; i < Math.min(minRuns, 20); i++) fn();
  let runs = 0;
  const start = performance.now();
  while (runs < minRuns || performance.now() - start < ms) {
    fn();
    runs++;
  }
  return { mean: (performance.now() - start) / runs, runs };
}

const qemu = await findQemu();
const base = await baseDtb({
  binary: qemu,
  machine: machineOf(MachineSchema.parse({ accel: "tcg" })),
});

/** n devices shaped like small vfio-platform devices: two regions and an IRQ each. */
const devices = (n) =>
  Array.from({ length: n }, (_, i) => ({
    name: `dev${i}`,
    regionSizes: [0x1000, 0x100],
    irqCount: 1,
  }));

function plan(list) {
  const fdt = readDtb(new Uint8Array(readFileSync(base.path)));
  const placed = placeDevices(list);
  const nodes = placed.map((p) => ({
    name: "device",
    properties: { compatible: str("vendor,device") },
    regions: p.regions,
    irqs: p.irqs.map((i) => ({ line: i.line, trigger: "level" })),
  }));
  return writeDtb(assembleGuestDtb(fdt, nodes));
}

const work = mkdtempSync(join(tmpdir(), "platpass-bench-"));
const dumpFile = join(work, "virt.dtb");
const dump = measure(
  () => {
    const r = spawnSync(qemu.path, ["-M", `virt,dumpdtb=${dumpFile}`], { stdio: "ignore" });
    if (r.status !== 0) throw new Error(`qemu dumpdtb exited ${r.status}`);
  },
  3000,
  10,
);
rmSync(work, { recursive: true, force: true });

const one = measure(() => plan(devices(1)), 2000, 200);
const many = measure(() => plan(devices(64)), 2000, 100);

const pct = (x) => `${((100 * x.mean) / dump.mean).toFixed(2)}%`;
console.log(`qemu -M virt,dumpdtb=  ${dump.mean.toFixed(2)} ms/run  (${dump.runs} runs, baseline)`);
console.log(
  `plan 1 device          ${one.mean.toFixed(3)} ms/run  (${one.runs} runs)  = ${pct(one)} of one dump`,
);
console.log(
  `plan 64 devices        ${many.mean.toFixed(3)} ms/run  (${many.runs} runs)  = ${pct(many)} of one dump`,
);
const ok = many.mean / dump.mean < TARGET;
console.log(`target: 64 devices under ${TARGET * 100}% of one dump — ${ok ? "met" : "MISSED"}`);
process.exit(ok ? 0 : 1);
