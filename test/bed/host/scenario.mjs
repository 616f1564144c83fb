// Runs INSIDE the emulated ARM host (started by host.test.ts through runInBed): drives the
// real `platpass` CLI against the real sysfs and prints one JSON line for the test to assert.
// Nothing here judges; it only records what the kernel and platpass did.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename } from "node:path";

const TPM = "c000000.tpm_tis";
const VIRTIO = "a000000.virtio_mmio";
const KILL_STEPS = ["locked", "journaled", "override", "unbind", "probe", "verify"];
const REATTACH_KILL_STEPS = ["reattach-unbind"];
const env = { ...process.env, PLATPASS_STATE: "/run/platpass-state" };
const PLATPASS = [process.execPath, "/platpass/bin/platpass.js"];

const began = Date.now();
/** Progress on stderr, so a slow or stuck step shows where it is. */
function note(text) {
  process.stderr.write(`scenario +${((Date.now() - began) / 1000).toFixed(1)}s ${text}\n`);
}

function platpass(args, extra = {}) {
  const t0 = Date.now();
  note(`platpass ${args.join(" ")} ${JSON.stringify(extra)}`);
  const r = spawnSync(PLATPASS[0], [PLATPASS[1], ...args], {
    env: { ...env, ...extra },
    encoding: "utf8",
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    args,
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    ms: Date.now() - t0,
  };
}

function link(p) {
  try {
    return basename(readlinkSync(p));
  } catch {
    return null;
  }
}

function snapshot(name) {
  const dir = `/sys/bus/platform/devices/${name}`;
  return {
    driver: link(`${dir}/driver`),
    override: readFileSync(`${dir}/driver_override`, "utf8").trim(),
    group: link(`${dir}/iommu_group`),
    tpm0: existsSync("/dev/tpm0"),
    tpmrm0: existsSync("/dev/tpmrm0"),
    vfio: existsSync("/dev/vfio") ? readdirSync("/dev/vfio").sort() : [],
  };
}

function liveNames() {
  const out = [];
  for (const bus of ["platform", "amba"]) {
    for (const name of readdirSync(`/sys/bus/${bus}/devices`)) {
      let path;
      try {
        path = readlinkSync(`/sys/bus/${bus}/devices/${name}/of_node`).replace(
          /^.*\/devicetree\/base/,
          "",
        );
      } catch {
        continue;
      }
      out.push({ bus, name, path: path || "/" });
    }
  }
  return out;
}

function groups() {
  const out = {};
  for (const g of readdirSync("/sys/kernel/iommu_groups")) {
    out[g] = readdirSync(`/sys/kernel/iommu_groups/${g}/devices`).sort();
  }
  return out;
}

function waitExit(child) {
  return new Promise((resolve) =>
    child.on("exit", (status, signal) => resolve({ status, signal })),
  );
}

function collect(child) {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return () => ({ stdout, stderr });
}

note("started");
const result = { baseline: { tpm: snapshot(TPM), virtio: snapshot(VIRTIO) } };
result.fdt = readFileSync("/sys/firmware/fdt").toString("base64");
result.live = liveNames();
result.groups = groups();
result.list = platpass(["list", "--json"]);

// Detach; while a process holds the group open, reattach must refuse (naming it) and not
// hang; then reattach for real.
result.detach = platpass(["detach", TPM, "--json"]);
result.detached = snapshot(TPM);
const group = result.detached.group;
const holder = spawn("sh", ["-c", `exec sleep 300 <>/dev/vfio/${group}`], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 1000));
result.busy = {
  holderPid: holder.pid,
  refused: platpass(["reattach", TPM]),
  during: snapshot(TPM),
};
holder.kill("SIGKILL");
await waitExit(holder);
result.reattach = platpass(["reattach", TPM, "--json"]);
result.reattached = snapshot(TPM);

// kill -9 at each step of detach, then restore.
result.faults = [];
for (const step of KILL_STEPS) {
  const killed = platpass(["detach", TPM], { PLATPASS_TEST_KILL_AT: step });
  const mid = snapshot(TPM);
  const restore = platpass(["restore", "--json"]);
  result.faults.push({ step, killed, mid, restore, after: snapshot(TPM) });
}

// kill -9 at each step of reattach (after a clean detach), then restore.
result.reattachFaults = [];
for (const step of REATTACH_KILL_STEPS) {
  const detach = platpass(["detach", TPM]);
  const killed = platpass(["reattach", TPM], { PLATPASS_TEST_KILL_AT: step });
  const mid = snapshot(TPM);
  const restore = platpass(["restore", "--json"]);
  result.reattachFaults.push({ step, detach, killed, mid, restore, after: snapshot(TPM) });
}

// Two detaches of one device at once. Left to timing, the second could start after the first
// had finished and find the device already detached; so the first is stopped (SIGSTOP) the
// moment its lock appears, the second runs while the first holds the device, then the first
// goes on. lockHeld records whether the lock was still the first's when it was stopped.
const lockFile = `${env.PLATPASS_STATE}/locks/${TPM}.lock`;
const first = spawn(PLATPASS[0], [PLATPASS[1], "detach", TPM], {
  env,
  stdio: ["ignore", "pipe", "pipe"],
});
const firstOutput = collect(first);
let firstExit;
const firstDone = waitExit(first).then((exit) => {
  firstExit = exit;
  return { ...exit, ...firstOutput() };
});
while (!firstExit && !existsSync(lockFile)) await new Promise((r) => setTimeout(r, 2));
first.kill("SIGSTOP");
let lockHeld = false;
try {
  lockHeld = JSON.parse(readFileSync(lockFile, "utf8")).pid === first.pid;
} catch {
  // No lock to read: the first had already finished or failed, and lockHeld says so.
}
const second = platpass(["detach", TPM]);
first.kill("SIGCONT");
result.race = { firstPid: first.pid, lockHeld, first: await firstDone, second };
result.raceSnapshot = snapshot(TPM);
result.raceReattach = platpass(["reattach", TPM]);

// Managed mode: SIGTERM while the callback runs puts the device back before dying.
const managedScript = `
  import { withDetachedDevices } from "/platpass/dist/host/bind/managed.js";
  await withDetachedDevices([${JSON.stringify(TPM)}], async (devices) => {
    console.log("DETACHED " + JSON.stringify(devices));
    // A launch waits on QEMU, a live child; a bare pending promise would let Node exit (code
    // 13, unsettled top-level await) without running any cleanup, so hold a timer instead.
    await new Promise(() => setInterval(() => {}, 1000));
  });
`;
const managed = spawn(process.execPath, ["--input-type=module", "-e", managedScript], {
  env,
  stdio: ["ignore", "pipe", "pipe"],
});
const managedOutput = collect(managed);
const managedExit = waitExit(managed);
const started = Date.now();
while (!managedOutput().stdout.includes("DETACHED") && Date.now() - started < 120_000) {
  await new Promise((r) => setTimeout(r, 200));
}
result.managed = { during: snapshot(TPM) };
managed.kill("SIGTERM");
result.managed.exit = await managedExit;
result.managed.output = managedOutput();
result.managed.after = snapshot(TPM);

// An assignable-devices policy that denies the TPM and allows virtio: launch (a config naming
// the TPM) and detach must refuse before touching it. L1's /etc is read-only, so the policy
// lives in /run, named by PLATPASS_POLICY for launch and by --policy for detach. (What list
// shows for a policy is the security lane's; each platpass run here costs seconds of TCG.)
const POLICY = "/run/platpass-policy/policy.json";
mkdirSync("/run/platpass-policy", { mode: 0o755 });
const policyRules = [
  { action: "deny", name: TPM, comment: "the TPM stays with the host" },
  { compatible: "virtio,*" },
];
writeFileSync(POLICY, JSON.stringify({ rules: policyRules }), { mode: 0o644 });
writeFileSync("/tmp/policy-vm.json", JSON.stringify({ devices: [{ host: TPM }] }));
result.policy = {
  file: POLICY,
  before: snapshot(TPM),
  launch: platpass(["launch", "/tmp/policy-vm.json"], { PLATPASS_POLICY: POLICY }),
  detach: platpass(["detach", TPM, "--policy", POLICY]),
};
result.policy.after = snapshot(TPM);
rmSync("/run/platpass-policy", { recursive: true });

result.final = { tpm: snapshot(TPM), virtio: snapshot(VIRTIO) };
console.log(`PLATPASS-HOST-RESULT ${JSON.stringify(result)}`);
