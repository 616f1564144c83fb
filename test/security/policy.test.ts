/**
 * The assignable-devices policy against the real CLI, run as root on the real file system:
 * a policy file someone other than root could have written is refused (exit 4) however
 * valid it is, a malformed one is an input error (exit 3) with its JSON path, a device it
 * does not allow is refused before detach touches it, and under sudo the rules' users and
 * groups are the sudo user's.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";

const bin = new URL("../../bin/platpass.js", import.meta.url).pathname;
const hostDts = new URL("../unit/host/fixtures/xgmac.dts", import.meta.url).pathname;
const NOBODY = 65534;
const XGMAC = "e0700000.xgmac";

const work = mkdtempSync(join(tmpdir(), "platpass-policy-"));
const hostDtb = join(work, "board.dtb");

function platpass(args: string[], env: Record<string, string> = {}) {
  return execa("node", [bin, ...args], { env, extendEnv: false, reject: false, timeout: 60_000 });
}

/** A policy file in a fresh root-owned directory, 0644 root unless changed after. */
function policyFile(rules: unknown[] | string, name = "policy.json"): string {
  const dir = mkdtempSync(join(work, "etc-"));
  chmodSync(dir, 0o755);
  const file = join(dir, name);
  writeFileSync(file, typeof rules === "string" ? rules : JSON.stringify({ rules }), {
    mode: 0o644,
  });
  return file;
}

/** A platform device of this machine outside any IOMMU group: detach could never bind it. */
function isolatedPlatformDevice(): string {
  const root = "/sys/bus/platform/devices";
  const name = readdirSync(root).find((n) => !existsSync(join(root, n, "iommu_group")));
  if (name === undefined) throw new Error(`${root} has no device outside an IOMMU group`);
  return name;
}

function driverOf(name: string): string | undefined {
  try {
    return readlinkSync(`/sys/bus/platform/devices/${name}/driver`);
  } catch {
    return undefined;
  }
}

const listed = (stdout: string) =>
  (JSON.parse(stdout) as { devices: { name: string; policy: unknown }[] }).devices.find(
    (d) => d.name === XGMAC,
  )?.policy;

beforeAll(() => {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the policy tests need root: the policy must be root's file, and they chown it to nobody; run the security lane as root",
    );
  }
  execFileSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-o", hostDtb, hostDts]);
});

describe("a policy file someone other than root could change is refused, however valid", () => {
  const allowAll = () => policyFile([{ compatible: "*" }]);

  it("owned by another user", async () => {
    const file = allowAll();
    chownSync(file, NOBODY, NOBODY);
    const r = await platpass(["list", "--host-dtb", hostDtb, "--policy", file]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(
      "the policy file is refused: it is owned by uid 65534, not by uid 0",
    );
    expect(r.stderr).toContain(`(in ${file})`);
    expect(r.stderr).toContain(`chown root: ${file} && chmod 0644 ${file}`);
    expect(r.stderr).toContain("[POLICY_FILE_REFUSED]");
  });

  it("writable by its group or others", async () => {
    const file = allowAll();
    chmodSync(file, 0o664);
    const r = await platpass(["list", "--host-dtb", hostDtb, "--policy", file]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain("its group or others can write it (mode 0664)");
  });

  it("a symbolic link, even to root's own file", async () => {
    const target = allowAll();
    const link = join(work, "policy-link.json");
    symlinkSync(target, link);
    const r = await platpass(["list", "--host-dtb", hostDtb, "--policy", link]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain("it is a symbolic link");
  });

  it("in a directory others can write, who could replace it", async () => {
    const dir = join(work, "open");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const file = join(dir, "policy.json");
    writeFileSync(file, JSON.stringify({ rules: [{ compatible: "*" }] }), { mode: 0o644 });
    const r = await platpass(["launch", join(work, "absent-vm.json"), "--policy", file]);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(
      `its directory ${dir} can be changed by its group or others (mode 0777)`,
    );
    expect(r.stderr).toContain(`chmod go-w ${dir}`);
  });
});

describe("a malformed policy is an input error with its JSON path", () => {
  it("for launch, before the config or the host is read, and with --json its problems", async () => {
    const file = policyFile([{ nmae: XGMAC }]);
    const r = await platpass(["launch", join(work, "absent-vm.json"), "--json"], {
      PLATPASS_POLICY: file,
    });
    expect(r.exitCode).toBe(3);
    // launch --json prints its events, one a line, before the error document.
    const error = r.stdout.slice(r.stdout.indexOf("\n{\n") + 1);
    expect(JSON.parse(error)).toMatchObject({
      error: "POLICY_INVALID",
      where: file,
      problems: [
        { path: "$.rules[0].nmae", message: "unknown key; did you mean 'name'?" },
        { path: "$.rules[0]", message: expect.stringContaining("give 'name', 'compatible'") },
      ],
    });
  });
});

describe("a device the policy does not allow", () => {
  it("detach refuses it (exit 4), naming the rule and the file, and leaves its driver", async () => {
    const device = isolatedPlatformDevice();
    const before = driverOf(device);
    const file = policyFile([
      { action: "deny", name: device, comment: "stays with the host" },
      { compatible: "*" },
    ]);
    const r = await platpass(["detach", device], { PLATPASS_POLICY: file });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${device}: rule 1 denies it ("stays with the host")`);
    expect(r.stderr).toContain(`(in ${file})`);
    expect(r.stderr).toContain("[POLICY_DEVICE_NOT_ALLOWED]");
    expect(driverOf(device)).toBe(before);
  });

  it("--policy wins over PLATPASS_POLICY, and a missing file means no policy", async () => {
    const malformed = policyFile("{");
    const missing = join(work, "no-such-policy.json");
    const r = await platpass(["list", "--host-dtb", hostDtb, "--json", "--policy", missing], {
      PLATPASS_POLICY: malformed,
    });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).policy).toMatchObject({ file: missing, inForce: false });
    expect(listed(r.stdout)).toBeNull();
  });
});

describe("under sudo the rules' users and groups are the sudo user's", () => {
  const sudo = { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY), SUDO_USER: "nobody" };

  it("a rule for user nobody allows the device to nobody through sudo, not to root", async () => {
    const file = policyFile([{ compatible: "amd,xgbe-*", users: ["nobody"] }]);
    const args = ["list", "--host-dtb", hostDtb, "--json", "--policy", file];
    const asSudo = await platpass(args, sudo);
    expect(JSON.parse(asSudo.stdout).policy.requester).toMatchObject({
      uid: NOBODY,
      user: "nobody",
      viaSudo: true,
    });
    expect(listed(asSudo.stdout)).toEqual({ allowed: true, rule: 1, comment: null });
    const asRoot = await platpass(args);
    expect(listed(asRoot.stdout)).toEqual({ allowed: false, rule: null, comment: null });
  });

  it("a rule for the sudo user's primary group (SUDO_GID, named from /etc/group) allows it", async () => {
    const file = policyFile([{ compatible: "*", groups: [NOBODY] }]);
    const r = await platpass(["list", "--host-dtb", hostDtb, "--policy", file], sudo);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("read for nobody (uid 65534, through sudo)");
    expect(r.stdout).toMatch(new RegExp(`${XGMAC.replace(".", "\\.")} .* rule 1\\s*$`, "m"));
  });
});
