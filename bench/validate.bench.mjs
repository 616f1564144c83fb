// `--validate` per guest DTB, warm (bindings processed and the schema subset cached), against
// a dtc check of the same guest tree (what `platpass dtb` runs anyway) measured in the same
// run: the emulated host's TPM, a Calxeda XGMAC, rk3399-firefly's GMAC alone and with its
// SDHCI and two UARTs (Debian's arm64 kernel DTB), and 8 of its devices, then every one it has
// (MMIO and a compatible, as the corpus test takes them), each planned alone and validated in
// one batch (validatePlans, as the corpus test does: the whole batch is split over the cores
// from MIN_RUN_NODES nodes on, which 8 devices stay under), per guest DTB. The
// bindings are Linux 6.1's, processed from linux-source-6.1 on first use ('platpass
// provision --for validate' does it ahead).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBindings } from "../dist/env/bindings.js";
import { debianPackage, newestArm64KernelAbi } from "../dist/env/debian.js";
import { isPlatpassError } from "../dist/errors.js";
import { checkDtb, compileDts, readDtbFile } from "../dist/fdt/index.js";
import { devicesFromDtb } from "../dist/host/dt/offline.js";
import { planConfigFile } from "../dist/world/plan-file.js";
import { readHostTree, validatePlan, validatePlans } from "../dist/world/validate-plan.js";

const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

const work = mkdtempSync(join(tmpdir(), "platpass-bench-validate-"));
const fixture = (name) => new URL(`../test/qemu/boards/fixtures/${name}`, import.meta.url);
const compiled = async (name) => {
  const file = join(work, name.replace(/\.dts$/, ".dtb"));
  writeFileSync(file, await compileDts(readFileSync(fixture(name), "utf8")));
  return file;
};
const abi = await newestArm64KernelAbi();
const kernel = await debianPackage(`linux-image-${abi}`, "arm64");
const rk3399 = join(kernel.root, "usr/lib", `linux-image-${abi}`, "rockchip/rk3399-firefly.dtb");

const cases = [
  {
    name: "emulated host TPM",
    host: await compiled("tpm-tis.host.dts"),
    devices: ["c000000.tpm_tis"],
  },
  {
    name: "Calxeda XGMAC",
    host: await compiled("calxeda-xgmac.host.dts"),
    devices: ["fff50000.ethernet"],
  },
  { name: "rk3399 GMAC", host: rk3399, devices: ["fe300000.ethernet"] },
  {
    name: "rk3399 GMAC, SDHCI, 2 UARTs",
    host: rk3399,
    devices: ["fe300000.ethernet", "fe330000.mmc", "ff180000.serial", "ff1a0000.serial"],
  },
];

/** rk3399-firefly devices for the batched case, each planned alone. */
const BATCH = [
  "fe300000.ethernet",
  "fe330000.mmc",
  "fe320000.mmc",
  "ff180000.serial",
  "ff1a0000.serial",
  "ff110000.i2c",
  "fe800000.usb",
  "ff100000.saradc",
];

function row(name, nodes, errors, validate, dtc) {
  console.log(
    `${name.padEnd(32)}${String(nodes).padStart(5)}${String(errors).padStart(8)}${validate.toFixed(0).padStart(13)}${dtc.toFixed(1).padStart(14)}${`${(validate / dtc).toFixed(1)}x`.padStart(7)}`,
  );
}

const bindings = await loadBindings({ progress: (line) => process.stderr.write(`${line}\n`) });
console.log(`bindings: ${bindings.source}; ${RUNS} runs each, median`);
console.log("case                            nodes  errors  validate ms  dtc check ms  ratio");
try {
  for (const c of cases) {
    const config = join(work, "vm.json");
    writeFileSync(
      config,
      JSON.stringify({ machine: { accel: "tcg" }, devices: c.devices.map((host) => ({ host })) }),
    );
    const { plan, guest, dtb } = await planConfigFile(config, { hostDtb: c.host });
    const host = await readHostTree(c.host);
    const first = await validatePlan(plan, guest, host);
    const validate = await time(() => validatePlan(plan, guest, host));
    const dtc = await time(() => checkDtb(dtb));
    const errors = first.nodes.reduce((n, v) => n + v.errors.length, 0);
    row(c.name, first.nodes.length, errors, validate, dtc);
  }
  // The corpus test's way: many plans of one device each in one validatePlans (one
  // dt-validate run), per guest DTB, against dtc's check of each of those trees.
  const alone = [];
  for (const device of BATCH) {
    const config = join(work, "vm.json");
    writeFileSync(
      config,
      JSON.stringify({ machine: { accel: "tcg" }, devices: [{ host: device }] }),
    );
    alone.push(await planConfigFile(config, { hostDtb: rk3399 }));
  }
  const host = await readHostTree(rk3399);
  const batched = async (name, planned) => {
    const items = planned.map(({ plan, guest }) => ({ plan, guest, host }));
    const first = await validatePlans(items);
    const batch = (await time(() => validatePlans(items))) / items.length;
    const dtc =
      (await time(async () => {
        for (const a of planned) await checkDtb(a.dtb);
      })) / items.length;
    const nodes = first.plans.flat();
    row(
      name,
      nodes.length,
      nodes.reduce((n, v) => n + v.errors.length, 0),
      batch,
      dtc,
    );
  };
  await batched(`rk3399 ${alone.length} devices alone, batched`, alone);
  const every = [];
  for (const device of devicesFromDtb(await readDtbFile(rk3399))) {
    if (device.regions.length === 0 || device.compatible.length === 0) continue;
    const config = join(work, "vm.json");
    writeFileSync(
      config,
      JSON.stringify({ machine: { accel: "tcg" }, devices: [{ host: device.name }] }),
    );
    // A device platpass refuses (no plugin's rules hold) is no plan to validate.
    const plan = await planConfigFile(config, { hostDtb: rk3399 }).catch((e) => {
      if (isPlatpassError(e)) return undefined;
      throw e;
    });
    if (plan) every.push(plan);
  }
  await batched(`rk3399 all ${every.length} alone, batched`, every);
} finally {
  rmSync(work, { recursive: true, force: true });
}
