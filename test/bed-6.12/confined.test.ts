/**
 * QEMU over iommufd as its own user, in the emulated host's 6.12 line: it holds only the fds
 * platpass handed it, cannot open another device's cdev, /dev/iommu, a group node or write
 * sysfs, and a SIGTERM of platpass or a SIGKILL and `platpass restore` give the TPM back with
 * every VFIO node as the kernel made it. One GICv3 boot (test/bed-6.12/confined.sh).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildBed } from "../../src/bed/assets.js";
import { runInBed } from "../../src/bed/index.js";
import { demoGuestConfig } from "../../src/demo/guest.js";

const TPM = "c000000.tpm_tis";

/** "@@TAG STEP REST" lines of one tag, as { STEP: REST } (the last one of each step wins). */
function tagged(output: string, tag: string): Record<string, string> {
  return Object.fromEntries(
    [...output.matchAll(new RegExp(`^@@${tag} (\\S+) (.*)$`, "gm"))].map((m) => [m[1]!, m[2]!]),
  );
}

/** "K=V K=V" as an object. */
const pairs = (s: string | undefined) =>
  Object.fromEntries(
    (s ?? "")
      .split(" ")
      .filter(Boolean)
      .map((p) => p.split("=") as [string, string]),
  );

describe("QEMU confined on the iommufd path (6.12 host, GICv3)", () => {
  let out: string;
  beforeAll(async () => {
    const qemu10 = (await buildBed({ kernel: "6.12" })).l2.inL1.qemu;
    if (!qemu10) throw new Error("the 6.12 bed carries no QEMU 10.0 (bed build --kernel 6.12)");
    const idle = demoGuestConfig({ gic: 3, devices: [TPM], script: "sleep 600" });
    const r = await runInBed({
      kernel: "6.12",
      gic: 3,
      command: ["sh", "test/bed-6.12/confined.sh"],
      env: {
        CFG_idle: JSON.stringify({
          ...idle,
          qemu: { ...idle.qemu, binary: qemu10, vfioBackend: "iommufd" },
        }),
        PLATPASS_STATE: "/tmp/platpass-state",
      },
      timeoutMs: 1_200_000,
      onOutput: (t) => process.stderr.write(t),
      progress: (l) => process.stderr.write(`${l}\n`),
    });
    out = r.output.replace(/\r/g, "");
  }, 1_300_000);

  const modes = (tag: string) =>
    Object.fromEntries(
      [...out.matchAll(new RegExp(`^@@modes \\S+ ${tag} (.*)$`, "gm"))].map((m) => [
        m[0].split(" ")[1]!,
        pairs(m[1]),
      ]),
    );

  it("runs QEMU with non-zero ids, no capabilities, holding /dev/iommu and its one cdev", () => {
    const q = pairs(tagged(out, "qemu").confined);
    const [uid] = (q.Uid ?? "0").split(",");
    const [gid] = (q.Gid ?? "0").split(",");
    expect(Number(uid)).toBeGreaterThan(0);
    expect(q.Uid).toBe(`${uid},${uid},${uid},${uid}`);
    expect(Number(gid)).toBeGreaterThan(0);
    expect(q.CapEff).toBe("0000000000000000");
    const fds = (tagged(out, "fds").confined ?? "").split(" ").filter(Boolean);
    expect(fds).toContain("/dev/iommu");
    expect(fds.filter((f) => f.startsWith("/dev/vfio/"))).toEqual([
      expect.stringMatching(/^\/dev\/vfio\/devices\/vfio\d+$/),
    ]);
  });

  it("denies QEMU's user another device's cdev, /dev/iommu, the group node and sysfs writes", () => {
    const denied = [...out.matchAll(/^@@denied confined (\S+) (.*)$/gm)];
    expect(denied.map((m) => m[1])).toEqual([
      "other-cdev",
      "iommu",
      "group-node",
      "drivers-probe",
      "driver-override",
    ]);
    for (const [, what, result] of denied)
      expect(result, what).toMatch(/^rc=[1-9]\d* .*Permission denied$/);
  });

  /** The TPM as platpass must leave it: as before the first launch (the transport's own
   * journal entry, detached on purpose, counted alike). */
  const home = () => pairs(tagged(out, "state").baseline);

  it("starts from the TPM on tpm_tis, no override, no QEMU", () => {
    expect(home()).toMatchObject({ driver: "tpm_tis", override: "(null)", qemu: "0" });
  });

  it("stops on SIGTERM of platpass, the TPM back home and no VFIO node's owner or mode changed", () => {
    expect(tagged(out, "exit").confined).toBe("143");
    expect(pairs(tagged(out, "state").confined)).toEqual(home());
    expect(modes("after").confined).toEqual(modes("before").confined);
  });

  it("refuses before detaching when iommufd's allow_unsafe_interrupts is off, exit 5, the TPM never off tpm_tis", () => {
    const chunk = out.slice(out.indexOf("@@step unsafe-off"));
    const error = JSON.parse(/^\{\n[\s\S]*?\n\}$/m.exec(chunk)?.[0] ?? "null");
    expect(error).toMatchObject({
      error: "VFIO_NO_INTERRUPT_REMAPPING",
      message: expect.stringMatching(
        /^c000000\.tpm_tis's MSIs are not isolated \(it has no msi-parent.*VFIO_DEVICE_BIND_IOMMUFD would fail with EPERM; nothing was detached$/,
      ),
      exitCode: 5,
    });
    expect(error.hint).toContain("/sys/module/iommufd/parameters/allow_unsafe_interrupts");
    expect(chunk).toMatch(/"event":"planned"/);
    expect(chunk).not.toMatch(/"stage":"detach"|"event":"detached"|"stage":"reattach"/);
    expect(tagged(out, "exit")["unsafe-off"]).toBe("5");
    const drivers = pairs(tagged(out, "drivers")["unsafe-off"]);
    expect(Number(drivers.samples)).toBeGreaterThan(5);
    expect(drivers.seen).toBe("tpm_tis");
    expect(pairs(tagged(out, "state")["unsafe-off"])).toEqual(home());
  });

  it("lists VFIO cdevs and /dev/iommu, and the TPM as not ready in that state: not isolated on 6.12, iommufd's parameter named", () => {
    const listed = JSON.parse(tagged(out, "list")["unsafe-off"] ?? "null");
    expect(listed.host).toEqual({
      kernelRelease: expect.stringMatching(/^6\.12\./),
      vfioDeviceCdev: true,
      iommufd: true,
      msiPerDevice: true,
      msiRemap: true,
      iommufdAllowUnsafeInterrupts: false,
    });
    expect(listed.msi).toEqual({ parent: null, isolated: false });
    expect(listed.problems).toEqual([
      expect.stringMatching(
        /^MSIs not isolated \(it has no msi-parent, so no MSI domain: its interrupts are wired\), which Linux 6\.3\+ asks of each device: iommufd needs allow_unsafe_interrupts=1/,
      ),
    ]);
  });

  it("after a SIGKILL of platpass, QEMU dies with it and restore gives the TPM back", () => {
    expect(tagged(out, "exit").killed).toBe("137");
    expect(pairs(tagged(out, "state")["killed-before-restore"])).toMatchObject({
      driver: "vfio-platform",
      qemu: "0",
      journal: String(Number(home().journal) + 1),
    });
    expect(tagged(out, "restore").killed).toBe("0");
    expect(pairs(tagged(out, "state").killed)).toEqual(home());
    expect(modes("after").killed).toEqual(modes("before").confined);
  });
});
