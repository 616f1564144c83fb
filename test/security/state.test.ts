/**
 * Hostile state: another user plants journal entries, locks and symlinks where root's
 * platpass keeps its state, or a crash leaves files half made. The real CLI runs as root on
 * the real file system; what it must never do is checked on disk: every file outside the
 * state directory keeps its inode, content, mode, owner and times, and no file appears or
 * disappears there. Planting runs as nobody (uid 65534) through setpriv.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

const bin = new URL("../../bin/platpass.js", import.meta.url).pathname;
const NOBODY = 65534;
/** Devices the records name: absent from this host, so no real driver is touched. */
const ABSENT = ["a000000.virtio_mmio", "c000000.tpm_tis"] as const;
const HOUR_AGO = new Date(Date.now() - 3_600_000);
/** A valid pid (pid_max allows it) that no process on a test machine has. */
const DEAD_PID = 4_000_000;

function platpass(state: string, ...args: string[]) {
  return execa("node", [bin, ...args], {
    env: { PLATPASS_STATE: state },
    reject: false,
    timeout: 60_000,
  });
}

function asNobody(script: string) {
  return execa("setpriv", [
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    "--clear-groups",
    "sh",
    "-euc",
    script,
  ]);
}

/** Everything lstat and a read can tell about each path below `dir`, except `skip`. */
function snapshot(dir: string, skip?: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string) => {
    if (p === skip) return;
    const st = lstatSync(p);
    let body = "";
    if (st.isFile()) body = createHash("sha256").update(readFileSync(p)).digest("hex");
    else if (st.isSymbolicLink()) body = readlinkSync(p);
    out.set(
      p,
      JSON.stringify([st.mode, st.uid, st.gid, st.ino, st.size, st.mtimeMs, st.ctimeMs, body]),
    );
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  return out;
}

function entry(device: string, over: Record<string, unknown> = {}) {
  return {
    device,
    bus: "platform",
    original: { driver: "tpm_tis" },
    target: "vfio-platform",
    iommuGroup: 0,
    mode: "managed",
    owner: { pid: DEAD_PID },
    phase: "detaching",
    step: "unbind",
    updated: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

/** `restore --json`: its outcomes, and the reason given for each quarantined file by name. */
async function restoreJson(state: string) {
  const r = await platpass(state, "restore", "--json");
  const out = JSON.parse(r.stdout).restored as Record<string, string>[];
  const reasons = Object.fromEntries(
    out.filter((o) => o.action === "quarantined").map((o) => [o.file!.split("/").pop(), o.reason]),
  );
  return { r, out, reasons };
}

function quarantined(state: string): string[] {
  return readdirSync(join(state, "quarantine")).map((n) => n.replace(/\.\d+\.[0-9a-f]{6}$/, ""));
}

describe("hostile state (root restores, nobody plants)", () => {
  let tmpMode: number;
  let box: string;
  let state: string;
  let victims: string;
  let planted: string;
  /** What the files outside the state directory looked like before platpass ran. */
  let before: Map<string, string>;
  const untouchedOutside = () => expect(snapshot(box, state)).toEqual(before);

  beforeAll(() => {
    // Fails, never skips: the attacks are only real when root runs platpass and nobody plants.
    if (process.getuid?.() !== 0) {
      throw new Error(
        "the hostile-state tests need root: they run platpass as root and plant files as nobody with setpriv; run the security lane as root",
      );
    }
    for (const d of ABSENT) {
      expect(existsSync(`/sys/bus/platform/devices/${d}`)).toBe(false);
      expect(existsSync(`/sys/bus/amba/devices/${d}`)).toBe(false);
    }
    // The lane's private TMPDIR is 0700: nobody may pass through it (not list it) meanwhile.
    tmpMode = statSync(tmpdir()).mode & 0o7777;
    chmodSync(tmpdir(), 0o711);
  });
  afterAll(() => chmodSync(tmpdir(), tmpMode));

  beforeEach(() => {
    box = mkdtempSync(join(tmpdir(), "platpass-sec-"));
    chmodSync(box, 0o755);
    state = join(box, "state");
    victims = join(box, "victims");
    mkdirSync(victims);
    writeFileSync(join(victims, "root-only"), "root's secret\n", { mode: 0o600 });
    writeFileSync(join(victims, "victim2.json"), '{"mine": true}\n');
    utimesSync(join(victims, "root-only"), HOUR_AGO, HOUR_AGO);
    planted = join(box, "planted");
    mkdirSync(planted);
    chmodSync(planted, 0o777);
  });
  afterEach(() => rmSync(box, { recursive: true, force: true }));

  /** The journal entries of the original report, written by nobody into `state`. */
  async function plantReportedAttack(): Promise<void> {
    // From /sys/bus/platform/devices, four levels up is /: the device dir is nobody's.
    const overwrite = entry(`../../../..${planted}/dev`, {
      original: { driver: undefined, override: "owned by nobody" },
    });
    // From STATE/journal, two levels up is the box: removeEntry unlinked victims/victim2.json.
    const unlink = entry("../../victims/victim2");
    await asNobody(`
      cd '${state}'
      mkdir -m 0777 journal locks
      mkdir -p '${planted}/dev'
      ln -s '${victims}/root-only' '${planted}/dev/driver_override'
      printf '%s' '${JSON.stringify(overwrite)}' > journal/overwrite.json
      printf '%s' '${JSON.stringify(unlink)}' > journal/unlink.json
      ln -s '${victims}/victim2.json' journal/${ABSENT[0]}.json
      mkfifo journal/fifo.json
      ln -s '${victims}/root-only' locks/${ABSENT[1]}.lock
      touch -h -d '1 hour ago' locks/${ABSENT[1]}.lock
    `);
  }

  it("refuses a world-writable state directory full of planted entries, touching nothing", async () => {
    mkdirSync(state);
    chmodSync(state, 0o777);
    await plantReportedAttack();
    before = snapshot(box);
    const r = await platpass(state, "restore");
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(
      `the state directory ${state} is writable by its group or by others (mode 0777)`,
    );
    expect(r.stderr).toContain(`(in ${state})`);
    expect(r.stderr).toContain(`chown root: ${state} && chmod 0755 ${state}`);
    expect(r.stderr).toContain("[HOST_STATE_UNSAFE]");
    expect(snapshot(box)).toEqual(before);
  });

  it("once the hints are followed, quarantines every planted entry and writes nothing outside", async () => {
    mkdirSync(state);
    chmodSync(state, 0o777);
    await plantReportedAttack();
    before = snapshot(box, state);
    // Each refusal names one directory and the command that makes it safe: run exactly that.
    const fixed: string[] = [];
    let r = await platpass(state, "restore");
    while (r.stderr.includes("[HOST_STATE_UNSAFE]") && fixed.length < 4) {
      const where = /\(in ([^)]+)\)/.exec(r.stderr)?.[1];
      const fix = /: (chown root: \S+ && chmod 0755 \S+) \(/.exec(r.stderr)?.[1];
      expect(fix).toBeDefined();
      fixed.push(where!);
      await execa("sh", ["-c", fix!]);
      r = await platpass(state, "restore");
    }
    expect(fixed).toEqual([state, join(state, "locks"), join(state, "journal")]);
    expect(r.exitCode).toBe(4);
    for (const f of ["overwrite.json", "unlink.json", `${ABSENT[0]}.json`, "fifo.json"]) {
      expect(r.stderr).toContain(`${join(state, "journal", f)}: not a usable journal entry`);
    }
    expect(r.stderr).toContain(
      `journal/overwrite.json: not a usable journal entry: it is owned by uid ${NOBODY}, not by uid 0`,
    );
    expect(r.stderr).toContain(
      `journal/${ABSENT[0]}.json: not a usable journal entry: it is a symbolic link`,
    );
    expect(r.stderr).toContain(
      "journal/fifo.json: not a usable journal entry: it is not a regular file",
    );
    expect(r.stderr).toContain("4 journal entries could not be used");
    expect(r.stderr).toContain(`(in ${join(state, "quarantine")})`);
    expect(r.stderr).toContain("[HOST_STATE_ENTRY_INVALID]");
    expect(r.stdout).not.toContain("undefined");
    expect(quarantined(state).sort()).toEqual(
      ["overwrite.json", "unlink.json", `${ABSENT[0]}.json`, "fifo.json"].sort(),
    );
    expect(readdirSync(join(state, "journal"))).toEqual([]);
    // The planted lock was a symlink to a root-only file: the link went, the file stayed.
    expect(readdirSync(join(state, "locks"))).toEqual([]);
    untouchedOutside();
    expect(readFileSync(join(victims, "root-only"), "utf8")).toBe("root's secret\n");
  });

  it("quarantines root-owned entries whose fields point outside, and restores the others", async () => {
    mkdirSync(join(state, "journal"), { recursive: true, mode: 0o700 });
    mkdirSync(join(planted, "dev"));
    symlinkSync(join(victims, "root-only"), join(planted, "dev", "driver_override"));
    const write = (file: string, record: unknown) =>
      writeFileSync(join(state, "journal", file), JSON.stringify(record));
    write("evil.json", entry(`../../../..${planted}/dev`));
    write("victim2.json", entry("../../victims/victim2"));
    write(`${ABSENT[1]}.json`, entry(ABSENT[0]));
    write("bus.json", { ...entry("bus"), bus: "../../../tmp" });
    write("override.json", entry("override", { original: { override: "../../x\nvfio" } }));
    write("pid.json", entry("pid", { owner: { pid: -1 } }));
    write(`${ABSENT[0]}.json`, entry(ABSENT[0]));
    before = snapshot(box, state);
    const { r, out, reasons } = await restoreJson(state);
    expect(r.exitCode).toBe(4);
    expect(reasons).toEqual({
      "bus.json": expect.stringContaining("at bus"),
      [`${ABSENT[1]}.json`]: `it names device ${ABSENT[0]}, not the ${ABSENT[1]} it is filed as`,
      "evil.json": "it is not a record platpass wrote (not a sysfs device name at device)",
      "override.json": "it is not a record platpass wrote (not a driver name at original.override)",
      "pid.json": expect.stringContaining("at owner.pid"),
      "victim2.json": "it is not a record platpass wrote (not a sysfs device name at device)",
    });
    for (const o of out.filter((o) => o.action === "quarantined")) {
      expect(o.movedTo!.startsWith(join(state, "quarantine", ""))).toBe(true);
      expect(existsSync(o.movedTo!)).toBe(true);
    }
    // The one good entry is still handled: its device is gone, so its record is dropped.
    expect(out).toContainEqual({
      device: ABSENT[0],
      action: "restored",
      step: "detaching/unbind",
    });
    expect(r.stderr).toContain("6 journal entries could not be used");
    expect(readdirSync(join(state, "journal"))).toEqual([]);
    untouchedOutside();
  });

  it("quarantines null, {garbage, {}, empty, directory, FIFO, dangling and group-writable journal files", async () => {
    const journal = join(state, "journal");
    mkdirSync(journal, { recursive: true, mode: 0o700 });
    writeFileSync(join(journal, "null.json"), "null");
    writeFileSync(join(journal, "garbage.json"), "{garbage");
    writeFileSync(join(journal, "braces.json"), "{}");
    writeFileSync(join(journal, "empty.json"), "");
    mkdirSync(join(journal, "dir.json"));
    await execa("mkfifo", [join(journal, "fifo.json")]);
    symlinkSync(join(box, "nowhere"), join(journal, "dangling.json"));
    writeFileSync(join(journal, "wide.json"), JSON.stringify(entry("wide")));
    chmodSync(join(journal, "wide.json"), 0o666);
    writeFileSync(join(journal, `${ABSENT[0]}.json`), JSON.stringify(entry(ABSENT[0])));
    before = snapshot(box, state);
    const { r, out, reasons } = await restoreJson(state);
    expect(r.exitCode).toBe(4);
    expect(reasons).toEqual({
      "braces.json": expect.stringMatching(/^it is not a record platpass wrote \(.* at device\)$/),
      "dangling.json": "it is a symbolic link",
      "dir.json": "it is not a regular file",
      "empty.json": "it is empty",
      "fifo.json": "it is not a regular file",
      "garbage.json": "it is not JSON",
      "null.json": expect.stringMatching(/^it is not a record platpass wrote \(/),
      "wide.json": "its group or others can write it (mode 0666)",
    });
    expect(out).toContainEqual(expect.objectContaining({ device: ABSENT[0], action: "restored" }));
    expect(r.stderr).toContain("8 journal entries could not be used");
    expect(r.stderr).toContain("[HOST_STATE_ENTRY_INVALID]");
    expect(quarantined(state)).toHaveLength(8);
    expect(readdirSync(journal)).toEqual([]);
    untouchedOutside();
    // A second run finds nothing left to complain about.
    const again = await platpass(state, "restore");
    expect([again.exitCode, again.stdout]).toEqual([0, "nothing to restore"]);
  });

  it("breaks an empty lock a crash left, keeps a fresh one, and restores past it", async () => {
    mkdirSync(join(state, "journal"), { recursive: true, mode: 0o700 });
    mkdirSync(join(state, "locks"), { mode: 0o700 });
    for (const d of ABSENT) {
      writeFileSync(join(state, "journal", `${d}.json`), JSON.stringify(entry(d)));
    }
    const old = join(state, "locks", `${ABSENT[0]}.lock`);
    const fresh = join(state, "locks", `${ABSENT[1]}.lock`);
    writeFileSync(old, "");
    utimesSync(old, HOUR_AGO, HOUR_AGO);
    writeFileSync(fresh, "");
    before = snapshot(box, state);
    const r = await platpass(state, "restore", "--json");
    expect(r.exitCode).toBe(4);
    const out = JSON.parse(r.stdout).restored;
    expect(out).toContainEqual(expect.objectContaining({ device: ABSENT[0], action: "restored" }));
    expect(out).toContainEqual({
      device: ABSENT[1],
      action: "failed",
      error: expect.objectContaining({
        error: "HOST_DEVICE_LOCKED",
        message: expect.stringMatching(
          new RegExp(
            `^${ABSENT[1]} has a lock platpass cannot read \\(it is empty\\), written \\d+ s ago$`,
          ),
        ),
        where: fresh,
        hint: expect.stringContaining("stale once it is 10 s old"),
      }),
    });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    // Aged past the grace period, it no longer stops reattach, which finds the device gone
    // and drops its record.
    utimesSync(fresh, HOUR_AGO, HOUR_AGO);
    const re = await platpass(state, "reattach", ABSENT[1]);
    expect([re.exitCode, re.stdout]).toEqual([0, `${ABSENT[1]}: - -> no driver`]);
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(join(state, "journal"))).toEqual([]);
    untouchedOutside();
  });

  it("refuses a state path that is a regular file", async () => {
    writeFileSync(state, "not a directory\n");
    before = snapshot(box);
    const r = await platpass(state, "restore");
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`the state directory ${state} is not a directory`);
    expect(r.stderr).toContain("set PLATPASS_STATE to a directory");
    expect(r.stderr).toContain("[HOST_STATE_UNSAFE]");
    expect(snapshot(box)).toEqual(before);
  });

  it("refuses a symlinked state directory without creating anything behind it", async () => {
    const real = join(box, "real");
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, state);
    before = snapshot(box);
    const r = await platpass(state, "restore");
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`the state directory ${state} is a symbolic link`);
    expect(r.stderr).toContain(`rm ${state} && mkdir -m 0700 ${state}`);
    expect(r.stderr).toContain("[HOST_STATE_UNSAFE]");
    expect(snapshot(box)).toEqual(before);
  });

  it("refuses a state directory owned by another user", async () => {
    mkdirSync(state, { mode: 0o755 });
    chownSync(state, NOBODY, NOBODY);
    before = snapshot(box);
    const r = await platpass(state, "restore");
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(
      `the state directory ${state} is owned by uid ${NOBODY}, not by root (uid 0)`,
    );
    expect(r.stderr).toContain(`chown root: ${state} && chmod 0755 ${state}`);
    expect(snapshot(box)).toEqual(before);
  });

  it("refuses a state directory below a directory others can write, creating nothing there", async () => {
    state = join(planted, "state");
    before = snapshot(box);
    const r = await platpass(state, "restore");
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(
      `${planted}, a parent of the state directory ${state}, can be changed by its group or others (mode 0777)`,
    );
    expect(r.stderr).toContain(`(in ${planted})`);
    expect(r.stderr).toContain(`chmod go-w ${planted}`);
    expect(snapshot(box)).toEqual(before);
  });

  it("creates a missing state directory 0700", async () => {
    const r = await platpass(state, "restore");
    expect([r.exitCode, r.stdout]).toEqual([0, "nothing to restore"]);
    for (const d of [state, join(state, "journal"), join(state, "locks")]) {
      expect(lstatSync(d).mode & 0o7777).toBe(0o700);
    }
  });

  it("detach and reattach never turn a device name into a path outside the state directory", async () => {
    mkdirSync(state, { mode: 0o700 });
    before = snapshot(box, state);
    for (const cmd of ["detach", "reattach"]) {
      const r = await platpass(state, cmd, "../../victims/victim2");
      // Refused as an argument, before the state directory or sysfs is looked at.
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('"../../victims/victim2" is not a sysfs device name');
      expect(r.stderr).toContain("[CLI_BAD_DEVICE_NAME]");
    }
    untouchedOutside();
  });

  it("detach refuses a device whose journal entry cannot be believed, naming the file", async () => {
    mkdirSync(join(state, "journal"), { recursive: true, mode: 0o700 });
    const file = join(state, "journal", `${ABSENT[1]}.json`);
    writeFileSync(file, "{garbage");
    before = snapshot(box, state);
    const r = await platpass(state, "detach", ABSENT[1]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`the journal entry for ${ABSENT[1]} cannot be used: it is not JSON`);
    expect(r.stderr).toContain(`(in ${file})`);
    expect(r.stderr).toContain("Run 'platpass restore'");
    expect(r.stderr).toContain("[HOST_STATE_ENTRY_INVALID]");
    expect(readFileSync(file, "utf8")).toBe("{garbage");
    untouchedOutside();
  });
});
