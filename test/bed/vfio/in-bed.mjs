#!/usr/bin/env node
// Runs inside the emulated ARM host (L1) as root, against the real addon and the real
// vfio-platform: the TPM and a virtio-mmio transport in type1 groups, another transport in a
// no-IOMMU group. Every step records what it saw (or its error) and the whole record is
// printed as one JSON line that test/bed/vfio/vfio.test.ts asserts. One boot for everything:
// each boot costs half a minute.
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadAddon, openVfioDevice } from "../../../dist/vfio/index.js";
import { locateVfioDevice } from "../../../dist/vfio/locate.js";
import * as uapi from "../../../dist/vfio/uapi.js";
import { runAddonContract } from "../../support/addon-contract.mjs";
import { printResult } from "./result-line.mjs";
import {
  bindToVfio,
  readParameter,
  restoreDriver,
  unboundWithoutIommu,
  writeParameter,
} from "./sysfs-binding.mjs";
import {
  ACCESS,
  GET_RANDOM_8,
  INT,
  readResponse,
  responseCode,
  STS,
  sendCommand,
  TIS,
  waitForStatus,
} from "./tpm-tis.mjs";

const TPM = "c000000.tpm_tis";
const VIRTIO = "a000000.virtio_mmio";
const NOIOMMU_PARAM = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";
const VIRTIO_MAGIC = 0x000;
const IRQ_WAIT_MS = 20_000;
// How long a masked IRQ is given to (wrongly) arrive before we say it did not.
const QUIET_MS = 1_500;

const record = { steps: {}, errors: {} };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function step(name, fn) {
  const started = Date.now();
  try {
    record.steps[name] = await fn();
  } catch (e) {
    record.errors[name] = { message: e.message, code: e.code };
  }
  const outcome = name in record.errors ? `error ${record.errors[name].code ?? ""}` : "ok";
  process.stderr.write(`vfio-bed: ${name} ${outcome} (${Date.now() - started} ms)\n`);
}

function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", ...options }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A child process reading DID_VID through a device fd it inherited. */
function childRead(fdInChild, stdio) {
  const script = `const fs=require("fs");const b=Buffer.alloc(4);fs.readSync(${fdInChild},b,0,4,0x${TIS.DID_VID.toString(16)});process.stdout.write(String(b.readUInt32LE(0)))`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script], { stdio });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => resolve({ exitCode: code, value: Number(out) }));
  });
}

function describeDevice(device) {
  const d = device.details();
  return {
    mode: device.mode,
    group: device.group,
    flags: { platform: d.platform, amba: d.amba, reset: d.reset },
    regions: d.regions.map((r) => ({
      index: r.index,
      size: r.size,
      offset: r.offset,
      readable: r.readable,
      writable: r.writable,
      mmap: r.mmap,
      capabilities: r.capabilities.length,
    })),
    irqs: d.irqs.map((i) => ({
      index: i.index,
      count: i.count,
      eventfd: i.eventfd,
      maskable: i.maskable,
      automasked: i.automasked,
    })),
  };
}

async function addonFacts() {
  const a = loadAddon();
  return {
    arch: process.arch,
    kernel: readFileSync("/proc/sys/kernel/osrelease", "utf8").trim(),
    loaded: a.ok ? a.path : null,
    attempts: a.attempts,
    ioctlsMatch:
      a.ok && JSON.stringify(a.native.ioctlNumbers()) === JSON.stringify({ ...uapi.IOCTL }),
  };
}

async function tpmCli() {
  const inspect = await run("platpass", ["inspect", TPM, "--json"]);
  const pread = await run("platpass", ["peek", TPM, "0", "0xf00"]);
  const mmap = await run("platpass", ["peek", TPM, "0", "0xf00", "--mmap", "--width", "32"]);
  return {
    inspect: {
      exitCode: inspect.exitCode,
      report: inspect.exitCode === 0 ? JSON.parse(inspect.stdout) : inspect.stderr,
    },
    peek: { exitCode: pread.exitCode, stdout: pread.stdout.trim() },
    peekMmap: { exitCode: mmap.exitCode, stdout: mmap.stdout.trim() },
  };
}

/** TCG TIS: a locality is requested with requestUse and granted as activeLocality. */
function locality(io) {
  const read = () => io.read(TIS.ACCESS, 8);
  const initial = read();
  if (initial & ACCESS.ACTIVE_LOCALITY) io.write(TIS.ACCESS, ACCESS.ACTIVE_LOCALITY, 8);
  const before = read();
  io.write(TIS.ACCESS, ACCESS.REQUEST_USE, 8);
  const granted = read();
  io.write(TIS.ACCESS, ACCESS.ACTIVE_LOCALITY, 8);
  const released = read();
  return { initial, before, granted, released };
}

/**
 * The TPM's level IRQ, end to end: DATA_AVAIL interrupts enabled in the TPM, a command sent,
 * the interrupt counted on the eventfd; a second command while the line is automasked
 * delivers nothing until an immediate unmask; a third waits for a resample-eventfd unmask.
 */
async function tpmIrq(device, io) {
  const line = device.irq(0);
  io.write(TIS.ACCESS, ACCESS.REQUEST_USE, 8);
  io.write(TIS.INT_ENABLE, 0);
  io.write(TIS.INT_STATUS, INT.ALL);
  line.enable();
  await sleep(QUIET_MS);
  const beforeCommand = line.count;
  const polarity = io.read(TIS.INT_ENABLE) & 0x18;
  io.write(TIS.INT_ENABLE, (INT.GLOBAL | polarity | INT.DATA_AVAIL) >>> 0);

  await sendCommand(io, GET_RANDOM_8);
  const afterFirst = await line.waitForCount(1, IRQ_WAIT_MS);
  const intStatus = io.read(TIS.INT_STATUS);
  const first = readResponse(io);
  io.write(TIS.INT_STATUS, INT.DATA_AVAIL);

  await sendCommand(io, GET_RANDOM_8);
  const completed = await waitForStatus(io, STS.VALID | STS.DATA_AVAIL, IRQ_WAIT_MS);
  await sleep(QUIET_MS);
  const whileMasked = line.count;
  line.unmask();
  const afterUnmask = await line.waitForCount(whileMasked + 1, IRQ_WAIT_MS);

  line.unmaskOnEventfd();
  readResponse(io);
  io.write(TIS.INT_STATUS, INT.DATA_AVAIL);
  await sendCommand(io, GET_RANDOM_8);
  await waitForStatus(io, STS.VALID | STS.DATA_AVAIL, IRQ_WAIT_MS);
  await sleep(QUIET_MS);
  const beforeResample = line.count;
  line.signalResample();
  const afterResample = await line.waitForCount(beforeResample + 1, IRQ_WAIT_MS);

  readResponse(io);
  io.write(TIS.INT_ENABLE, polarity);
  io.write(TIS.INT_STATUS, INT.ALL);
  io.write(TIS.ACCESS, ACCESS.ACTIVE_LOCALITY, 8);
  return {
    beforeCommand,
    afterFirst,
    intStatus,
    firstResponseCode: responseCode(first),
    secondCompleted: completed,
    whileMasked,
    afterUnmask,
    beforeResample,
    afterResample,
    deliveries: [...line.deliveries],
  };
}

async function tpm() {
  await step("tpm.bind", () => bindToVfio(TPM));
  await step("tpm.cli", tpmCli);
  let device;
  await step("tpm.open", async () => {
    device = await openVfioDevice(TPM);
    return describeDevice(device);
  });
  if (device) {
    const file = device.regionFile(0);
    const view = device.mapRegion(0);
    await step("tpm.didVid", () => ({
      pread: file.read(TIS.DID_VID),
      mmap: view.read(TIS.DID_VID),
    }));
    await step("tpm.locality", () => locality(file));
    await step("tpm.irq", () => tpmIrq(device, view));
    await step("tpm.reset", () => device.reset());
    await step("tpm.handoff", async () => {
      const mapped = await childRead(3, ["ignore", "pipe", "inherit", device.fds.device]);
      device.setInheritable(true);
      const inherited = await childRead(device.fds.device, ["ignore", "pipe", "inherit"]);
      device.setInheritable(false);
      return { mapped, inherited };
    });
    await step("tpm.busy", async () => {
      const r = await run("platpass", ["inspect", TPM]);
      return { exitCode: r.exitCode, stderr: r.stderr.trim() };
    });
    await step("tpm.close", () => {
      const native = loadAddon().native;
      const fd = device.fds.device;
      device.close();
      device.close();
      let secondClose = "no error";
      try {
        native.closeFd(fd);
      } catch (e) {
        secondClose = e.message;
      }
      return { ownedAfter: native.ownedFds(), secondClose };
    });
  }
  await step("tpm.contract", async () =>
    runAddonContract({
      native: loadAddon().native,
      uapi,
      containerPath: "/dev/vfio/vfio",
      groupPath: (await locateVfioDevice(TPM)).groupPath,
      quietMs: QUIET_MS,
      waitMs: IRQ_WAIT_MS,
    }),
  );
  await step("tpm.restore", () => restoreDriver(TPM));
}

async function loopbacks(device) {
  const line = device.irq(0);
  line.enable();
  await sleep(QUIET_MS);
  const before = line.count;
  const oneByOne = [];
  for (let k = 1; k <= 3; k++) {
    line.loopback();
    oneByOne.push(await line.waitForCount(before + k, IRQ_WAIT_MS));
  }
  await sleep(QUIET_MS);
  const settled = line.count;
  for (let k = 0; k < 5; k++) line.loopback();
  const afterBurst = await line.waitForCount(settled + 5, IRQ_WAIT_MS);
  await sleep(QUIET_MS);
  return {
    before,
    oneByOne,
    settled,
    afterBurst,
    final: line.count,
    deliveries: [...line.deliveries],
  };
}

async function virtio() {
  await step("virtio.bind", () => bindToVfio(VIRTIO));
  let device;
  await step("virtio.open", async () => {
    device = await openVfioDevice(VIRTIO);
    return describeDevice(device);
  });
  if (device) {
    await step("virtio.magic", () => device.regionFile(0).read(VIRTIO_MAGIC));
    await step("virtio.mmap", () => device.mapRegion(0));
    await step("virtio.irq", () => loopbacks(device));
    await step("virtio.close", () => {
      device.close();
      return { ownedAfter: loadAddon().native.ownedFds() };
    });
  }
  await step("virtio.restore", () => restoreDriver(VIRTIO));
}

async function noiommu() {
  const candidate = unboundWithoutIommu(".virtio_mmio")[0];
  const before = readParameter(NOIOMMU_PARAM);
  await step("noiommu.device", () => candidate ?? null);
  if (!candidate) return;
  writeParameter(NOIOMMU_PARAM, "1");
  await step("noiommu.bind", () => bindToVfio(candidate));
  await step("noiommu.locate", async () => {
    const loc = await locateVfioDevice(candidate);
    return { noiommu: loc.noiommu, groupPath: loc.groupPath };
  });
  let device;
  await step("noiommu.open", async () => {
    device = await openVfioDevice(candidate);
    return describeDevice(device);
  });
  if (device) {
    await step("noiommu.magic", () => device.regionFile(0).read(VIRTIO_MAGIC));
    await step("noiommu.irq", () => loopbacks(device));
    await step("noiommu.close", () => {
      device.close();
      return { ownedAfter: loadAddon().native.ownedFds() };
    });
  }
  await step("noiommu.restore", () => restoreDriver(candidate));
  writeParameter(NOIOMMU_PARAM, before === "Y" ? "1" : "0");
}

await step("addon", addonFacts);
await tpm();
await virtio();
await noiommu();
printResult(record);
