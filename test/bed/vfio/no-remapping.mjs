#!/usr/bin/env node
// Runs inside the emulated ARM host booted with GICv2 (no ITS, so no MSI remapping): with
// vfio_iommu_type1's allow_unsafe_interrupts off, VFIO_SET_IOMMU must fail with EPERM and
// platpass must explain it; with it on, the same device opens and its IRQ works.
import { execFile } from "node:child_process";
import { openVfioDevice } from "../../../dist/vfio/index.js";
import { printResult } from "./result-line.mjs";
import { bindToVfio, readParameter, restoreDriver, writeParameter } from "./sysfs-binding.mjs";

const TPM = "c000000.tpm_tis";
const UNSAFE = "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts";

const record = { steps: {}, errors: {} };

async function step(name, fn) {
  try {
    record.steps[name] = await fn();
  } catch (e) {
    record.errors[name] = {
      message: e.message,
      code: e.code,
      ioctl: e.ioctl,
      errno: e.errno,
      hint: e.hint,
    };
  }
  process.stderr.write(`vfio-bed: ${name} ${name in record.errors ? "error" : "ok"}\n`);
}

function cli(args) {
  return new Promise((resolve) => {
    execFile("platpass", args, { encoding: "utf8" }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (error.code ?? 1) : 0, stdout, stderr: stderr.trim() });
    });
  });
}

const loaded = readParameter(UNSAFE);
await step("bind", () => bindToVfio(TPM));
writeParameter(UNSAFE, "0");
await step("refused", async () => {
  const d = await openVfioDevice(TPM);
  d.close();
  return "opened";
});
await step("refusedCli", () => cli(["inspect", TPM]));
writeParameter(UNSAFE, "1");
await step("allowed", async () => {
  const d = await openVfioDevice(TPM);
  try {
    const line = d.irq(0);
    line.enable();
    line.loopback();
    return { mode: d.mode, count: await line.waitForCount(1, 20_000) };
  } finally {
    d.close();
  }
});
writeParameter(UNSAFE, loaded === "Y" ? "1" : "0");
await step("restore", () => restoreDriver(TPM));
printResult(record);
