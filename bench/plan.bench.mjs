// Plan + guest DTB for 1, 16 and 64 devices from a large real board DTB (Debian's arm64
// kernel package), on a cached base DTB, against one bare `qemu-system-aarch64 -M
// virt,dumpdtb=` run measured in the same process. Target: 64 devices under 5% of one dump.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectPlugin } from "../dist/boards/dispatch.js";
import { loadRegistry } from "../dist/boards/loader.js";
import { parseConfig } from "../dist/config/parse.js";
import { debianPackage, newestArm64KernelAbi } from "../dist/env/debian.js";
import { readDtb, writeDtb } from "../dist/fdt/index.js";
import { devicesFromDtb } from "../dist/host/dt/offline.js";
import { baseDtb } from "../dist/machvirt/base-dtb.js";
import { PlatformBus } from "../dist/machvirt/platform-bus.js";
import { buildPlan } from "../dist/plan/build.js";
import { machineOf } from "../dist/plan/qemu-args.js";
import { findQemu } from "../dist/qemu/binary.js";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

const abi = await newestArm64KernelAbi();
const root = join(
  (await debianPackage(`linux-image-${abi}`, "arm64")).root,
  "usr/lib",
  `linux-image-${abi}`,
);
const dtbs = readdirSync(root).flatMap((v) =>
  readdirSync(join(root, v))
    .filter((f) => f.endsWith(".dtb"))
    .map((f) => join(root, v, f)),
);
const registry = await loadRegistry();

/** Up to 64 devices of one board that fit QEMU's platform bus together, in tree order. */
function assignable(host) {
  const bus = new PlatformBus();
  const picked = [];
  for (const d of devicesFromDtb(host)) {
    if (picked.length === 64 || d.bus !== "platform" || d.regions.length === 0) continue;
    try {
      selectPlugin(registry, d);
      bus.link({
        name: d.name,
        regionSizes: d.regions.map((r) => r.size),
        irqCount: d.irqs.length,
      });
      picked.push(d);
    } catch {}
  }
  return picked;
}

// The largest board DTB that has 64 devices fitting the bus together.
const boards = dtbs.sort((a, b) => statSync(b).size - statSync(a).size);
let board;
for (const file of boards) {
  const host = readDtb(readFileSync(file));
  const devices = assignable(host);
  if (devices.length === 64) {
    board = { file, host, devices };
    break;
  }
}
if (!board) throw new Error("no board DTB with 64 assignable devices");

const binary = await findQemu();
const config = (n) =>
  parseConfig({
    machine: { accel: "tcg" },
    devices: board.devices.slice(0, n).map((d) => ({ host: d.name })),
  });
const base = await baseDtb({ binary, machine: machineOf(config(1).machine) });

const work = mkdtempSync(join(tmpdir(), "platpass-bench-"));
const dump = time(() => {
  execFileSync(
    binary.path,
    ["-M", `virt,dumpdtb=${join(work, "virt.dtb")}`, "-nodefaults", "-display", "none"],
    {
      stdio: "ignore",
    },
  );
}, 3);
rmSync(work, { recursive: true, force: true });

const hostDevices = devicesFromDtb(board.host);
console.log(
  `board: ${board.file} (${statSync(board.file).size} bytes, ${hostDevices.length} devices)`,
);
console.log(
  `baseline: one bare 'qemu-system-aarch64 -M virt,dumpdtb=' run: ${dump.toFixed(1)} ms (median of 3)`,
);
for (const n of [1, 16, 64]) {
  const cfg = config(n);
  const machine = machineOf(cfg.machine);
  // Planning and rendering the guest DTB, as `platpass plan` does (minus the overlays).
  const run = () =>
    writeDtb(
      buildPlan({
        config: cfg,
        machine,
        hostDevices,
        hostTree: board.host,
        baseDtb: base.bytes,
        registry,
        dtbFile: "guest.dtb",
        qemuBinary: binary.path,
      }).guest,
    );
  const cold = time(run, 1);
  time(run, 20);
  const ms = time(run, 50);
  const ratio = (ms / dump) * 100;
  console.log(
    `plan + DTB, ${String(n).padStart(2)} device(s): ${ms.toFixed(2)} ms (median of 50, after 20 warm-up runs) = ${ratio.toFixed(2)}% of one dump; first run ${cold.toFixed(2)} ms = ${((cold / dump) * 100).toFixed(1)}%${n === 64 ? (ratio < 5 ? "  [target < 5%: met]" : "  [target < 5%: MISSED]") : ""}`,
  );
}
