#!/usr/bin/env node
// 32-bit register reads per second on the emulated host's TPM (c000000.tpm_tis, DID_VID):
// through the mmap view (one load per read) against pread on the device fd (one syscall per
// read), same region, same run, alternating rounds so drift hits both alike.
//
// Run by `npm run bench` on this machine, it boots the emulated ARM host and runs itself
// inside with --inside (only there is there a real vfio-platform device to read).
import { readlinkSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const TPM = "c000000.tpm_tis";
const DID_VID = 0xf00;
const ROUNDS = 5;
const ROUND_MS = 2000;

function rate(read) {
  let n = 0;
  const started = process.hrtime.bigint();
  const until = started + BigInt(ROUND_MS) * 1_000_000n;
  let now = started;
  // Check the clock every 64 reads: reading it costs about as much as an mmap read.
  while (now < until) {
    for (let i = 0; i < 64; i++) read(DID_VID);
    n += 64;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - started) / 1e9);
}

function bind(name) {
  const dir = `/sys/bus/platform/devices/${name}`;
  const before = basename(readlinkSync(`${dir}/driver`));
  writeFileSync(`${dir}/driver_override`, "vfio-platform");
  writeFileSync(`${dir}/driver/unbind`, name);
  writeFileSync("/sys/bus/platform/drivers_probe", name);
  return () => {
    writeFileSync(`${dir}/driver_override`, "\n");
    writeFileSync(`${dir}/driver/unbind`, name);
    writeFileSync("/sys/bus/platform/drivers_probe", name);
    return before;
  };
}

async function inside() {
  const { openVfioDevice } = await import("../dist/vfio/index.js");
  const restore = bind(TPM);
  const device = await openVfioDevice(TPM);
  try {
    const file = device.regionFile(0);
    const view = device.mapRegion(0);
    if (file.read(DID_VID) !== 0x00011014 || view.read(DID_VID) !== 0x00011014) {
      throw new Error("DID_VID is not 0x00011014: not the emulated host's TPM");
    }
    // A discarded warm-up pair lets TCG and V8 compile both loops first.
    rate((o) => file.read(o));
    rate((o) => view.read(o));
    const pread = [];
    const mmap = [];
    for (let r = 0; r < ROUNDS; r++) {
      pread.push(rate((o) => file.read(o)));
      mmap.push(rate((o) => view.read(o)));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // Each pair ran back to back, so its ratio is the least disturbed by the shared machine.
    const ratios = pread.map((p, i) => mmap[i] / p);
    const fmt = (x) => Math.round(x).toLocaleString("en-US").padStart(12);
    const list = (xs) => xs.map((x) => Math.round(x)).join(", ");
    process.stdout.write(
      [
        `vfio: 32-bit reads of ${TPM} DID_VID inside the emulated ARM host (${ROUNDS} pairs of ${ROUND_MS} ms rounds, medians)`,
        `  pread (baseline) ${fmt(median(pread))} reads/s   rounds: ${list(pread)}`,
        `  mmap view        ${fmt(median(mmap))} reads/s   rounds: ${list(mmap)}`,
        `  mmap / pread ratio: ${median(ratios).toFixed(2)}x   per pair: ${ratios.map((r) => r.toFixed(2)).join(", ")}`,
        "",
      ].join("\n"),
    );
  } finally {
    device.close();
    restore();
  }
}

async function outside() {
  const { runInBed } = await import("../dist/bed/index.js");
  const r = await runInBed({
    command: ["node", "bench/vfio.bench.mjs", "--inside"],
    timeoutMs: 900_000,
    onOutput: (t) => process.stdout.write(t),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = r.exitCode;
}

await (process.argv.includes("--inside") ? inside() : outside());
