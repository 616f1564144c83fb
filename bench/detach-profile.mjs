// Where detaching one device goes in the emulated ARM host: each step of detachDevices and
// of reattach for the TPM, timed with performance.now() on the real kernel, in this process
// and in a fresh one; the whole calls in-process (manual and managed) and in a fresh
// process; `platpass detach` / `platpass reattach` as whole processes, split into node's
// start, the CLI's import and main(), beside `node -e 1` and `platpass --version` (the CLI's
// fixed cost, which is not detach's); a launch's planned -> detached, and detach right
// after prepareLaunch in-process. One boot, PLATPASS_PROFILE_ROUNDS rounds (default 3),
// medians printed.
//
//   flock /tmp/bed.lock node bench/detach-profile.mjs     # needs dist/: npx tsc -p tsconfig.json
//
// The step list mirrors src/host/bind/detach.ts and reattach.ts call for call: when those
// change, change it with them, or the steps stop adding up to the whole call printed below.
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const TPM = "c000000.tpm_tis";
const MARK = "PLATPASS-DETACH-PROFILE ";
const ROUNDS = Number(process.env.PLATPASS_PROFILE_ROUNDS ?? 3);
/** GICv2, as `npm run demo` boots it. */
const GIC = 2;

if (["inside", "steps", "whole"].includes(process.argv[2])) await inside(process.argv[2]);
else await outside();

async function outside() {
  const { runInBed } = await import("../dist/bed/index.js");
  const { demoGuestConfig, tpmGuestScript } = await import("../dist/demo/guest.js");
  const config = demoGuestConfig({ gic: GIC, devices: [TPM], script: tpmGuestScript(5) });
  const started = Date.now();
  const r = await runInBed({
    command: ["node", "/platpass/bench/detach-profile.mjs", "inside"],
    gic: GIC,
    env: {
      PLATPASS_PROFILE_ROUNDS: String(ROUNDS),
      PLATPASS_PROFILE_CONFIG: JSON.stringify(config),
    },
    timeoutMs: 1_500_000,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  const line = r.output.split("\n").find((l) => l.startsWith(MARK));
  if (!line) {
    process.stderr.write(
      `detach-profile: no result (exit ${r.exitCode}):\n${r.output.slice(-4000)}\n`,
    );
    process.exit(1);
  }
  const { rounds, imports, holders, notes } = JSON.parse(line.slice(MARK.length));
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const fmt = (ms) => `${ms.toFixed(1).padStart(9)} ms`;
  process.stdout.write(
    `detach-profile: ${rounds.length} rounds in one GICv${GIC} emulated host, medians (min-max)\n`,
  );
  for (const [name, ms] of Object.entries(imports)) {
    process.stdout.write(`  import ${name.padEnd(38)}${fmt(ms)} (once)\n`);
  }
  process.stdout.write(`  /proc scan: ${holders.pids} pids, ${holders.fds} fd links\n`);
  for (const name of Object.keys(rounds[0])) {
    const xs = rounds.map((x) => x[name]).filter(Number.isFinite);
    if (xs.length === 0) continue;
    process.stdout.write(
      `  ${name.padEnd(45)}${fmt(median(xs))} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})\n`,
    );
  }
  for (const n of notes) process.stdout.write(`  note: ${n}\n`);
  process.stdout.write(`detach-profile: ${((Date.now() - started) / 1000).toFixed(0)} s wall\n`);
}

async function inside(mode) {
  const state = "/run/platpass-profile";
  process.env.PLATPASS_STATE = state;
  const imports = {};
  const load = async (path) => {
    const t = performance.now();
    const m = await import(`/platpass/dist/${path}`);
    imports[path] = performance.now() - t;
    return m;
  };
  const detach = await load("host/bind/detach.js");
  const reattach = await load("host/bind/reattach.js");
  const managed = await load("host/bind/managed.js");
  const binding = await load("host/bind/binding.js");
  const journal = await load("host/bind/journal.js");
  const lock = await load("host/bind/lock.js");
  const owner = await load("host/bind/owner.js");
  const discover = await load("host/live/discover.js");
  const groups = await load("host/live/groups.js");
  const holders = await load("host/live/holders.js");
  const { Sysfs } = await load("host/live/sysfs.js");
  const sysfs = new Sysfs();
  const timeout = reattach.DEFAULT_TIMEOUT_MS;

  async function timed(row, name, fn) {
    const t = performance.now();
    const v = await fn();
    row[name] = (row[name] ?? 0) + performance.now() - t;
    return v;
  }

  /** detachDevices([TPM]) in manual mode, step by step as detach.ts runs them. */
  async function detachSteps(row) {
    const p = (n, fn) => timed(row, `detach: ${n}`, fn);
    const l = await p("lock", () => lock.lockDevice(state, TPM, "detach"));
    await p("leftover journal entry", () => journal.readEntry(state, TPM));
    const bus = await p("inspect: bus", () => reattach.requireBus(sysfs, TPM));
    const group = await p("inspect: group", () => discover.readGroup(sysfs, bus, TPM));
    await p("inspect: vfio driver loaded", () =>
      sysfs.exists(`/sys/bus/${bus}/drivers/vfio-platform`),
    );
    const driver = await p("inspect: driver", () => discover.readDriver(sysfs, bus, TPM));
    const override = await p("inspect: override", () => discover.readOverride(sysfs, bus, TPM));
    await p("already-detached journal check", () => journal.readEntry(state, TPM));
    await p("group viable", () => groups.assertGroupViable(sysfs, group, [TPM]));
    await p("group idle (holders)", () => binding.assertGroupIdle(sysfs, group, TPM));
    let entry = await p("journal entry (owner, time)", () => ({
      device: TPM,
      bus,
      original: { driver, override },
      target: "vfio-platform",
      iommuGroup: group,
      mode: "manual",
      owner: owner.currentOwner(),
      phase: "detaching",
      step: "override",
      updated: journal.isoTime(Date.now()),
    }));
    await p("journal (write+fsync) x4", () => journal.writeEntry(state, entry));
    await p("driver_override", () => binding.setOverride(sysfs, bus, TPM, "vfio-platform"));
    entry = await p("journal (write+fsync) x4", () =>
      journal.advance(state, entry, "detaching", "unbind"),
    );
    await p("unbind tpm_tis", () => binding.unbind(sysfs, bus, TPM, driver));
    entry = await p("journal (write+fsync) x4", () =>
      journal.advance(state, entry, "detaching", "probe"),
    );
    await p("drivers_probe", () => binding.probe(sysfs, bus, TPM));
    await p("wait for vfio-platform", () =>
      binding.waitForDriver(sysfs, bus, TPM, "vfio-platform", timeout),
    );
    await p("wait for /dev/vfio/N", async () => {
      await binding.waitUntil(
        async () => (await holders.vfioGroupNode(sysfs, group)) !== undefined,
        timeout,
      );
      return holders.vfioGroupNode(sysfs, group);
    });
    await p("journal (write+fsync) x4", () =>
      journal.advance(state, entry, "detached", "verified"),
    );
    await p("unlock", () => l.release());
  }

  /** reattachDevices([TPM]) for a journaled device, step by step as reattach.ts runs them. */
  async function reattachSteps(row) {
    const p = (n, fn) => timed(row, `reattach: ${n}`, fn);
    const l = await p("lock", () => lock.lockDevice(state, TPM, "reattach"));
    let e = await p("journal read", () => journal.readEntry(state, TPM));
    const { bus } = e;
    await p("device exists", () => sysfs.exists(discover.deviceDir(bus, TPM)));
    const current = await p("driver", () => discover.readDriver(sysfs, bus, TPM));
    await p("group idle (holders)", () => binding.assertGroupIdle(sysfs, e.iommuGroup, TPM));
    e = { ...e, owner: owner.currentOwner() };
    e = await p("journal (write+fsync) x3", () =>
      journal.advance(state, e, "reattaching", "unbind"),
    );
    await p("unbind vfio-platform", () => binding.unbind(sysfs, bus, TPM, current));
    e = await p("journal (write+fsync) x3", () =>
      journal.advance(state, e, "reattaching", "override"),
    );
    await p("driver_override clear", () => binding.setOverride(sysfs, bus, TPM, undefined));
    await p("journal (write+fsync) x3", () => journal.advance(state, e, "reattaching", "probe"));
    await p("drivers_probe (tpm_tis probes)", () => binding.probe(sysfs, bus, TPM));
    await p("wait for tpm_tis", () =>
      binding.waitForDriver(sysfs, bus, TPM, e.original.driver, timeout),
    );
    await p("journal remove+fsync", () => journal.removeEntry(state, TPM));
    await p("unlock", () => l.release());
  }

  function proc(args) {
    const t = performance.now();
    const r = spawnSync(args[0], args.slice(1), { encoding: "utf8", env: process.env });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
    return ms;
  }

  /** A fresh node process: its start-up, the CLI's import and main() apart. */
  function cold(args) {
    const script = [
      "const t0 = performance.now();",
      'const { main } = await import("/platpass/dist/cli/main.js");',
      "const t1 = performance.now();",
      `const code = await main(${JSON.stringify(args)});`,
      "const t2 = performance.now();",
      "const split = { start: t0, import: t1 - t0, run: t2 - t1, code };",
      'process.stderr.write("COLD " + JSON.stringify(split) + "\\n");',
    ].join("\n");
    const r = spawnSync("node", ["--input-type=module", "-e", script], { encoding: "utf8" });
    const line = r.stderr.split("\n").find((l) => l.startsWith("COLD "));
    const v = line && JSON.parse(line.slice(5));
    if (v?.code !== 0) throw new Error(`cold ${args.join(" ")}: ${r.stderr}`);
    return v;
  }

  /**
   * `platpass launch --json` of the demo's config, SIGKILLed by its own killpoint right
   * after the detached events, then `platpass restore`: the elapsedMs from planned to detached.
   */
  function launchToDetached() {
    const r = spawnSync(
      "node",
      ["/platpass/bin/platpass.js", "launch", "--json", "/tmp/profile-launch.json"],
      { encoding: "utf8", env: { ...process.env, PLATPASS_TEST_KILL_AT: "launch-detached" } },
    );
    const events = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const at = (name) => events.find((e) => e.event === name)?.elapsedMs;
    proc(["node", "/platpass/bin/platpass.js", "restore"]);
    if (at("planned") === undefined || at("detached") === undefined) {
      throw new Error(
        `launch: no planned/detached events (${r.signal ?? r.status}):\n${r.stdout}${r.stderr}`,
      );
    }
    return at("detached") - at("planned");
  }

  /** detachDevices in a process that has just planned a launch, as run.ts calls it. */
  async function afterPrepare(row) {
    const { prepareLaunch } = await import("/platpass/dist/launch/prepare.js");
    const { mkdtempSync } = await import("node:fs");
    await timed(row, "launch in-process: prepareLaunch", () =>
      prepareLaunch("/tmp/profile-launch.json", mkdtempSync("/tmp/profile-run-")),
    );
    const session = await timed(row, "launch in-process: then detachDevices (managed)", () =>
      detach.detachDevices([TPM], { mode: "managed" }),
    );
    await timed(row, "launch in-process: then endSession", () => managed.endSession(session));
  }

  function driverNow() {
    return spawnSync("readlink", [`/sys/bus/platform/devices/${TPM}/driver`], {
      encoding: "utf8",
    }).stdout.trim();
  }

  if (mode === "whole") {
    const row = {};
    await timed(row, "detachDevices", () => detach.detachDevices([TPM]));
    await timed(row, "reattachDevices", () => reattach.reattachDevices([TPM]));
    row.end = performance.now();
    process.stdout.write(`STEPS ${JSON.stringify({ row, imports })}\n`);
    return;
  }
  if (mode === "steps") {
    const row = {};
    await detachSteps(row);
    await reattachSteps(row);
    process.stdout.write(`STEPS ${JSON.stringify({ row, imports })}\n`);
    return;
  }

  /** The step list again in a fresh process: what a CLI run pays that a warm one does not. */
  function coldSteps(row, what = "steps") {
    const t = performance.now();
    const r = spawnSync("node", ["/platpass/bench/detach-profile.mjs", what], {
      encoding: "utf8",
    });
    row[`fresh process ${what}: wall`] = performance.now() - t;
    const line = r.stdout.split("\n").find((l) => l.startsWith("STEPS "));
    if (!line) throw new Error(`steps: ${r.stdout}${r.stderr}`);
    const cold = JSON.parse(line.slice(6));
    for (const [k, v] of Object.entries(cold.row)) row[`fresh process ${what} ${k}`] = v;
    row[`fresh process ${what}: imports`] = Object.values(cold.imports).reduce((a, b) => a + b, 0);
  }

  writeFileSync("/tmp/profile-launch.json", process.env.PLATPASS_PROFILE_CONFIG);
  const scan = { pids: 0, fds: 0 };
  const notes = [];
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    process.stderr.write(`detach-profile: round ${i + 1}/${ROUNDS}\n`);
    const row = {};
    await detachSteps(row);
    await reattachSteps(row);
    if (!driverNow().endsWith("/tpm_tis")) throw new Error("the TPM is not back on tpm_tis");

    await timed(row, "whole: detachDevices (manual)", () => detach.detachDevices([TPM]));
    await timed(row, "whole: reattachDevices", () => reattach.reattachDevices([TPM]));
    await timed(row, "whole: detachDevices (managed)", async () => {
      row.managedSession = await detach.detachDevices([TPM], { mode: "managed" });
    });
    await timed(row, "whole: endSession (managed)", () => managed.endSession(row.managedSession));
    delete row.managedSession;

    coldSteps(row);
    coldSteps(row, "whole");
    if (!driverNow().endsWith("/tpm_tis")) throw new Error("the TPM is not back on tpm_tis");
    const pp = ["node", "/platpass/bin/platpass.js"];
    for (const [name, args] of [
      ["detach", ["detach", TPM, "--json"]],
      ["reattach", ["reattach", TPM]],
    ]) {
      const split = cold(args);
      row[`cold process ${name}: node start`] = split.start;
      row[`cold process ${name}: import cli/main.js`] = split.import;
      row[`cold process ${name}: main() (loads command, runs)`] = split.run;
    }
    try {
      row["launch: planned -> detached (killed there)"] = launchToDetached();
      await afterPrepare(row);
    } catch (e) {
      // The launch is being rewritten meanwhile: say why it has no number, keep the rest.
      notes.push(String(e).slice(0, 2000));
      row["launch: planned -> detached (killed there)"] = Number.NaN;
    }
    row["process: node -e 1"] = proc(["node", "-e", "1"]);
    row["process: platpass --version"] = proc([...pp, "--version"]);
    row["process: platpass detach --json"] = proc([...pp, "detach", TPM, "--json"]);
    row["process: platpass reattach"] = proc([...pp, "reattach", TPM]);
    if (i === 0) {
      // What the first journal write paid before isoTime: the first toISOString of a process.
      const first =
        "const t = performance.now(); new Date().toISOString(); console.log(performance.now() - t)";
      for (const [name, env] of [
        ["fresh process: first Date#toISOString", {}],
        ["fresh process: first Date#toISOString, TZ=UTC", { TZ: "UTC" }],
      ]) {
        const r = spawnSync("node", ["-e", first], {
          encoding: "utf8",
          env: { ...process.env, ...env },
        });
        row[name] = Number(r.stdout);
      }
    }
    if (!driverNow().endsWith("/tpm_tis")) throw new Error("the TPM is not back on tpm_tis");
    rounds.push(row);

    if (i === 0) {
      for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
        scan.pids++;
        try {
          scan.fds += readdirSync(`/proc/${pid}/fd`).length;
        } catch {}
      }
    }
  }
  process.stdout.write(`${MARK}${JSON.stringify({ rounds, imports, holders: scan, notes })}\n`);
}
