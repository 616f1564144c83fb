/**
 * The emulated ARM host's second kernel line (Debian 12's 6.12, with VFIO cdevs and iommufd
 * built beside it): the TPM launched with QEMU 10.0 over iommufd and over the legacy path, on
 * GICv2 and GICv3. The injection path QEMU took for the TPM's interrupt in each cell is what
 * README.md's table says (its QEMU 7.2 rows are the 6.1 line's, test/bed/launch). Lane
 * bed-6.12, the last of npm test's.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildBed } from "../../src/bed/assets.js";
import { runInBed } from "../../src/bed/index.js";
import { demoGuestConfig, readGuestTpm, tpmGuestScript } from "../../src/demo/guest.js";
import { type StepOutput, splitSteps } from "../support/bed-steps.js";
import { readmeInjectionTable } from "../support/readme.js";

const TPM = "c000000.tpm_tis";
const COMMANDS = 3;

interface Launch extends StepOutput {
  driverAfter: string | undefined;
}

type Cell = "iommufd-10.0" | "legacy-10.0";

function configs(gic: 2 | 3, qemu10: string): Record<string, string> {
  const base = demoGuestConfig({ gic, devices: [TPM], script: tpmGuestScript(COMMANDS) });
  // Linux 6.5+ tpm_tis polls unless told to use its interrupt.
  const guest = {
    ...base,
    append: base.append!.replace("panic=-1", "panic=-1 tpm_tis.interrupts=1"),
  };
  const cell = (vfioBackend: string) =>
    JSON.stringify({ ...guest, qemu: { ...guest.qemu, binary: qemu10, vfioBackend } });
  return { CFG_iommufd10: cell("auto"), CFG_legacy10: cell("legacy") };
}

const STEPS: Record<string, Cell> = {
  iommufd10: "iommufd-10.0",
  legacy10: "legacy-10.0",
};

function parse(output: string): Record<string, Launch> {
  return Object.fromEntries(
    [...splitSteps(output)].map(([name, step]) => [
      name,
      { ...step, driverAfter: /^@@after \S+ driver=(\S*)/m.exec(step.text)?.[1] },
    ]),
  );
}

const event = (l: Launch, name: string) => l.events.find((e) => e.event === name);
const guestOutput = (l: Launch) =>
  l.events
    .filter((e) => e.event === "guest")
    .map((e) => e.line)
    .join("\n");
const injection = (l: Launch) =>
  l.events.filter((e) => e.event === "injection").at(-1) as
    | { irqs: { path: string; userspaceInjections: number }[] }
    | undefined;

describe.each([3, 2] as const)("the TPM on the 6.12 host, GICv%i", (gic) => {
  let launches: Record<string, Launch>;
  beforeAll(async () => {
    const assets = await buildBed({ kernel: "6.12" });
    const qemu10 = assets.l2.inL1.qemu;
    if (!qemu10) throw new Error("the 6.12 bed carries no QEMU 10.0 (bed build --kernel 6.12)");
    const r = await runInBed({
      kernel: "6.12",
      gic,
      command: ["sh", "test/bed-6.12/scenario.sh", ...Object.keys(STEPS)],
      env: { ...configs(gic, qemu10), PLATPASS_STATE: "/tmp/platpass-state" },
      timeoutMs: 1_500_000,
      onOutput: (t) => process.stderr.write(t),
      progress: (l) => process.stderr.write(`${l}\n`),
    });
    launches = parse(r.output);
    expect(Object.keys(launches)).toEqual(Object.keys(STEPS));
  }, 1_600_000);

  it("takes iommufd with QEMU 10.0 on auto: /dev/iommu and the TPM's cdev handed over, QEMU unprivileged", () => {
    const l = launches.iommufd10!;
    expect(l.exit).toBe(0);
    expect(event(l, "planned")).toMatchObject({ vfio: { backend: "iommufd" } });
    const starting = event(l, "qemu-starting") as {
      argv: string[];
      fds: { fd: number; path: string }[];
      user: { name: string; uid: number; gid: number };
    };
    expect(starting.fds).toEqual([
      { fd: 3, path: "/dev/iommu" },
      { fd: 4, path: expect.stringMatching(/^\/dev\/vfio\/devices\/vfio\d+$/) },
    ]);
    expect(starting.argv).toContain("iommufd,id=platpass-iommufd,fd=3");
    expect(starting.user.name).toBe("platpass-qemu");
    expect(starting.user.uid).toBeGreaterThan(0);
    expect(starting.user.gid).toBeGreaterThan(0);
  });

  it("drives the TPM from L2 on every path, its interrupt count rising, and gives it back", () => {
    for (const [name, cell] of Object.entries(STEPS)) {
      const l = launches[name]!;
      expect(l.exit, cell).toBe(0);
      const tpm = readGuestTpm(guestOutput(l));
      expect(tpm.randoms, cell).toHaveLength(COMMANDS);
      for (const r of tpm.randoms)
        expect(r, cell).toMatch(/^80 01 00 00 00 14 00 00 00 00 00 08( [0-9a-f]{2}){8}$/);
      expect(tpm.irqsAfter! - tpm.irqsBefore!, cell).toBeGreaterThanOrEqual(COMMANDS);
      expect(l.driverAfter, cell).toBe("tpm_tis");
    }
  });

  it("injects the TPM's interrupt the way README.md's table says, with matching evidence", () => {
    const table = readmeInjectionTable();
    for (const [name, cell] of Object.entries(STEPS)) {
      const irq = injection(launches[name]!)?.irqs[0];
      console.log(
        `GICv${gic} ${cell}: ${irq?.path}, ${irq?.userspaceInjections} user-space injections`,
      );
      const row = `6.12 GICv${gic} ${cell}`;
      expect(table[row], `README's row ${row}`).toBeDefined();
      expect(irq?.path, row).toBe(table[row]);
      if (irq?.path === "userspace")
        expect(irq.userspaceInjections).toBeGreaterThanOrEqual(COMMANDS);
      else expect(irq?.userspaceInjections).toBe(0);
    }
  });
});
