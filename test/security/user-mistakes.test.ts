/**
 * Every user mistake is the user's error, never an internal one (exit 70): the real CLI, run
 * as a child process, for each mistake that once reached exit 70 or the host. Each must exit
 * with its documented class, name the argument or file in the paragraph on stderr, and with
 * --json put an error object on stdout. The plan/dtb cases run real QEMU for the base DTB,
 * with a cache of their own so corrupting it touches no other run's.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";

const bin = new URL("../../bin/platpass.js", import.meta.url).pathname;
const hostDts = new URL("../unit/host/fixtures/xgmac.dts", import.meta.url).pathname;

const work = mkdtempSync(join(tmpdir(), "platpass-user-mistakes-"));
const cache = join(work, "cache");
const hostDtb = join(work, "board.dtb");

function config(name: string, extra: Record<string, unknown> = {}): string {
  const file = join(work, name);
  const device = { host: "e0700000.xgmac", plugin: "generic" };
  writeFileSync(file, JSON.stringify({ machine: { accel: "tcg" }, devices: [device], ...extra }));
  return file;
}

async function platpass(...args: string[]) {
  const r = await execa("node", [bin, ...args], {
    reject: false,
    env: { PLATPASS_CACHE: cache },
  });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `args` plain and with --json: the exit code, the paragraph and the JSON error agree. */
async function refused(args: string[], exitCode: number, code: string, names: string) {
  const plain = await platpass(...args);
  expect(plain.code, plain.stderr).toBe(exitCode);
  expect(plain.stderr).toContain(names);
  expect(plain.stderr).toContain(`[${code}]`);
  expect(plain.stderr).not.toContain("internal error");
  const json = await platpass(...args, "--json");
  expect(json.code).toBe(exitCode);
  expect(JSON.parse(json.stdout)).toMatchObject({ error: code, exitCode });
  return JSON.parse(json.stdout) as Record<string, unknown>;
}

beforeAll(() => {
  execFileSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-o", hostDtb, hostDts]);
});

describe("dtb -o", () => {
  const vm = () => config("vm.json");

  it("a missing directory is an input error naming it", async () => {
    const out = join(work, "nonexistent", "dir", "x.dtb");
    await refused(["dtb", vm(), "--host-dtb", hostDtb, "-o", out], 3, "OUTPUT_NO_DIRECTORY", out);
  });

  it("a directory is an input error suggesting a file in it", async () => {
    const json = await refused(
      ["dtb", vm(), "--host-dtb", hostDtb, "-o", work],
      3,
      "OUTPUT_IS_DIRECTORY",
      work,
    );
    expect(json.hint).toContain(join(work, "guest.dtb"));
  });

  it("a full device is an environment error naming it", async () => {
    await refused(
      ["dtb", vm(), "--host-dtb", hostDtb, "-o", "/dev/full"],
      7,
      "OUTPUT_WRITE_FAILED",
      "/dev/full",
    );
  });

  it("a regular file is written whole, with nothing left beside it", async () => {
    const out = join(work, "out", "guest.dtb");
    execFileSync("mkdir", ["-p", join(work, "out")]);
    writeFileSync(out, "old");
    const r = await platpass("dtb", vm(), "--host-dtb", hostDtb, "-o", out);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).readUInt32BE(0)).toBe(0xd00dfeed);
    expect(readdirSync(join(work, "out"))).toEqual(["guest.dtb"]);
  });
});

describe("corrupt caches", () => {
  it("a truncated cached base DTB is dumped again, and the progress line names it", async () => {
    const vm = config("cached.json");
    const out = join(work, "cached.dtb");
    expect((await platpass("dtb", vm, "--host-dtb", hostDtb, "-o", out)).code).toBe(0);
    const dir = join(cache, "base-dtb");
    const [name] = readdirSync(dir).filter((f) => f.endsWith(".dtb"));
    const file = join(dir, name!);
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    const r = await platpass("dtb", vm, "--host-dtb", hostDtb, "-o", out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`the cached ${file} was corrupt`);
    expect(r.stderr).toContain("FDT_TRUNCATED");
    expect(readFileSync(file).length).toBeGreaterThan(100);
  });

  it("a corrupt QEMU probe cache is probed again, naming the file", async () => {
    expect((await platpass("qemu", "probe")).code).toBe(0);
    const dir = join(cache, "qemu-probe");
    const [name] = readdirSync(dir);
    const file = join(dir, name!);
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 200));
    const r = await platpass("qemu", "probe");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`the cached ${file} was corrupt (not JSON`);

    writeFileSync(file, JSON.stringify({ binary: "edited" }));
    const json = await platpass("qemu", "probe", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ cached: false });

    writeFileSync(file, "{");
    const plan = await platpass(
      "plan",
      config("iommufd.json", { qemu: { vfioBackend: "iommufd" } }),
      "--host-dtb",
      hostDtb,
    );
    expect(plan.code).not.toBe(70);
    expect(plan.stderr).not.toContain("internal error");
    expect(plan.stderr).toContain(`the cached ${file} was corrupt`);
  });
});

describe("peek / poke arguments are checked before any device lookup", () => {
  it.each([
    [["peek", "X", "0", "0x3"], "CLI_OFFSET_MISALIGNED", "OFFSET 0x3"],
    [["poke", "X", "0", "0x0", "0x1ff", "--width", "8"], "CLI_VALUE_TOO_WIDE", "VALUE 0x1ff"],
    [["peek", "X", "0", `0x${"f".repeat(24)}`], "CLI_BAD_OFFSET", `OFFSET 0x${"f".repeat(24)}`],
    [["peek", "X", "0", "0", "--width", "32.0"], "CLI_BAD_WIDTH", "--width 32.0"],
    [["peek", "X", "99999999999", "0"], "CLI_BAD_REGION", "REGION 99999999999"],
  ])("%j is a usage error", async (args, code, names) => {
    await refused(args, 2, code, names);
  });
});

describe("device names that are paths", () => {
  const name = "../../../../elsewhere/dev1";

  it.each([
    ["peek", name, "0", "0"],
    ["poke", name, "0", "0", "1"],
    ["inspect", name],
    ["detach", name],
    ["reattach", "c000000.tpm_tis", ".."],
  ])("%s refuses it as a usage error", async (...args) => {
    const shown = JSON.stringify(args.at(-1) === ".." ? ".." : name);
    await refused(args, 2, "CLI_BAD_DEVICE_NAME", shown);
  });

  it("a config's devices[].host is a config problem at its JSON path", async () => {
    const file = join(work, "path-device.json");
    writeFileSync(file, JSON.stringify({ devices: [{ host: name }] }));
    const json = await refused(
      ["plan", file, "--host-dtb", hostDtb],
      3,
      "CONFIG_INVALID",
      "$.devices[0].host",
    );
    expect(json.problems).toEqual([
      {
        path: "$.devices[0].host",
        message: `${JSON.stringify(name)} is not a sysfs device name: it contains '/'`,
      },
    ]);
  });
});

describe("overlay syntax errors", () => {
  it("name the overlay file, line and column, and --json lists the diagnostics", async () => {
    const overlay = join(work, "overlay.dts");
    writeFileSync(overlay, "/dts-v1/;\n/plugin/;\n&{/} {\n    foo = <1 2;\n};\n");
    const vm = config("overlaid.json", { overlays: [overlay] });
    const json = await refused(
      ["dtb", vm, "--host-dtb", hostDtb, "-o", join(work, "overlaid.dtb")],
      3,
      "DTC_FAILED",
      `${overlay}:4.15: syntax error`,
    );
    expect(json.where).toBe(overlay);
    expect(json.diagnostics).toContainEqual({
      severity: "error",
      check: "syntax",
      message: "syntax error",
      file: overlay,
      line: 4,
      column: 15,
    });
  });
});
