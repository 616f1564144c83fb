/**
 * `platpass launch` inside the emulated ARM host, against the real kernel, vfio-platform and
 * KVM. Each boot of the emulated host costs minutes, so one boot per GIC version runs many
 * steps (test/bed/launch/scenario.sh) and the assertions read its output.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runInBed } from "../../../src/bed/index.js";
import type { ConfigInput } from "../../../src/config/schema.js";
import { demoGuestConfig, readGuestTpm, tpmGuestScript } from "../../../src/demo/guest.js";
import { type StepOutput, splitSteps } from "../../support/bed-steps.js";
import { readmeInjectionTable } from "../../support/readme.js";

const SCENARIO = "test/bed/launch/scenario.sh";
const TPM = "c000000.tpm_tis";
const VIRTIO = "a000000.virtio_mmio";

interface Step extends StepOutput {
  states: Record<string, Record<string, string>>;
  restoreExit: number;
  /** The error the CLI printed as JSON (pretty-printed, so over several lines). */
  error: Record<string, unknown> | undefined;
  /** platpass's stderr, when the step kept it apart from stdout (no-remap). */
  stderr: string[];
  /** vfio_iommu_type1's allow_unsafe_interrupts around the launch: during, before, after. */
  unsafe: Record<string, string>;
  /** The TPM's /dev/vfio/N as OWNER:GROUP:MODE before, during and after (and the other group's). */
  nodes: Record<string, string>;
  /** QEMU's /proc/PID/status lines (Uid, Gid, Groups, CapEff) and its memlock limit. */
  qemu: Record<string, string>;
  /** What QEMU's user tried, and what it got. */
  denied: Record<string, string>;
}

/** "@@TAG STEP KEY=VALUE" or "@@TAG STEP KEY VALUE…" lines, as { KEY: VALUE }. */
function tagged(lines: string[], tag: string): Record<string, string> {
  const line = new RegExp(`^@@${tag} \\S+ (\\S+?)[= ](.*)$`);
  return Object.fromEntries(
    lines.flatMap((l) => {
      const m = line.exec(l);
      return m ? [[m[1]!, m[2]!]] : [];
    }),
  );
}

/** " KEY=VALUE KEY=VALUE" after "@@TAG STEP", as { KEY: VALUE }. */
function pairsAfter(text: string, tag: string): Record<string, string> {
  return Object.fromEntries(
    (new RegExp(`^@@${tag} \\S+ (.*)$`, "m").exec(text)?.[1] ?? "")
      .split(" ")
      .filter(Boolean)
      .map((p) => p.split("=") as [string, string]),
  );
}

function parseSteps(output: string): Record<string, Step> {
  const steps: Record<string, Step> = {};
  for (const [name, step] of splitSteps(output)) {
    const { lines, text } = step;
    const states: Step["states"] = {};
    const error = /^\{\n[\s\S]*?\n\}$/m.exec(text)?.[0];
    for (const l of lines.filter((x) => x.startsWith("@@state "))) {
      const [, key, ...pairs] = l.split(" ");
      states[key!] = Object.fromEntries(pairs.map((p) => p.split("=") as [string, string]));
    }
    steps[name] = {
      ...step,
      restoreExit: Number(/^@@restore \S+ (\d+)/m.exec(text)?.[1] ?? Number.NaN),
      error: error === undefined ? undefined : JSON.parse(error),
      stderr: lines
        .filter((l) => l.startsWith("@@stderr "))
        .map((l) => l.slice("@@stderr ".length)),
      unsafe: pairsAfter(text, "unsafe"),
      nodes: tagged(lines, "node"),
      qemu: pairsAfter(text, "qemu"),
      denied: tagged(lines, "denied"),
      states,
    };
  }
  return steps;
}

const guestOutput = (s: Step) =>
  s.events
    .filter((e) => e.event === "guest")
    .map((e) => e.line)
    .join("\n");
const lastInjection = (s: Step) =>
  s.events.filter((e) => e.event === "injection").at(-1) as
    | { irqs: { device: string; path: string; userspaceInjections: number }[]; warnings: string[] }
    | undefined;

/** The TPM as it must be whenever platpass is done: its host driver, no override, no leftovers. */
const HOME = {
  driver: "tpm_tis",
  override: "(null)",
  tpm0: "yes",
  qemu: "0",
  locks: "0",
  journal: "0",
  node: "none",
  nodes: "0",
};

/** The TPM's group node as the kernel makes it, and as platpass lends it to QEMU's user. */
const KERNELS_NODE = "root:root:600";
const LENT_NODE = "platpass-qemu:platpass-qemu:600";

function withQemuUser(config: ConfigInput, user: string): ConfigInput {
  return { ...config, qemu: { ...config.qemu, user } };
}

function configs(gic: 2 | 3) {
  const tpm = demoGuestConfig({ gic, devices: [TPM], script: tpmGuestScript(5) });
  return {
    CFG_tpm: JSON.stringify(tpm),
    CFG_both: JSON.stringify(
      demoGuestConfig({ gic, devices: [TPM, VIRTIO], script: tpmGuestScript(1) }),
    ),
    CFG_idle: JSON.stringify(demoGuestConfig({ gic, devices: [TPM], script: "sleep 600" })),
    CFG_bound: JSON.stringify({
      ...demoGuestConfig({ gic, devices: [TPM], script: tpmGuestScript(5) }),
      devices: [{ host: TPM, managed: false }],
    }),
    CFG_boundidle: JSON.stringify({
      ...demoGuestConfig({ gic, devices: [TPM], script: "sleep 600" }),
      devices: [{ host: TPM, managed: false }],
    }),
    CFG_tpmroot: JSON.stringify(withQemuUser(tpm, "root")),
  };
}

async function bed(gic: 2 | 3, steps: string[]): Promise<Record<string, Step>> {
  const r = await runInBed({
    command: ["sh", SCENARIO, ...steps],
    gic,
    env: { ...configs(gic), PLATPASS_STATE: "/tmp/platpass-state" },
    // A loaded 2-core machine runs a nested launch in 3 to 9 minutes.
    timeoutMs: 2_700_000,
    onOutput: (t) => process.stderr.write(t),
    progress: (l) => process.stderr.write(`${l}\n`),
  });
  return parseSteps(r.output);
}

describe("platpass launch on the GICv2 emulated host", () => {
  let steps: Record<string, Step>;
  beforeAll(async () => {
    steps = await bed(2, [
      "confined:tpm:tpm",
      // Not first: the first launch in a fresh boot also pays for QEMU's capability probe.
      // Early, so that the launches after it show the parameter was put back.
      "no-remap:no-remap:tpm",
      "launch:both:both",
      "asserted:asserted:bound",
      "qemu-kill:qemu-killed:idle:qemu-started",
      "signal:sigint-starting:idle:INT:qemu-starting",
      "signal:sigterm-running:idle:TERM:injection",
      "platpass-kill:kill-detached:idle:detached",
      "platpass-kill:kill-running:idle:injection",
      "bound-kill:kill-bound:boundidle:injection",
      "killpoint:killpoint-reattach:idle:launch-before-reattach:injection",
    ]);
  }, 2_800_000);

  it("refuses before QEMU starts when allow_unsafe_interrupts is off, saying why, exit code 4", () => {
    const s = steps["no-remap"]!;
    expect(s.unsafe).toEqual({ before: "Y", during: "N", after: "Y" });
    expect(s.exit).toBe(4);
    expect(s.error).toMatchObject({
      error: "HOST_NO_MSI_REMAPPING",
      class: "host",
      exitCode: 4,
      where: "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
    });
    expect(s.error?.message).toMatch(
      /no MSI remapping \(GICv2\).*does not allow unsafe interrupts/,
    );
    expect(s.error?.hint).toContain(
      "echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
    );
    expect(s.stderr.join("\n")).toMatch(
      /^platpass: this host has no MSI remapping.*\[HOST_NO_MSI_REMAPPING\]$/m,
    );
  });

  it("plans on the live host but neither detaches the TPM nor starts QEMU when refusing", () => {
    const s = steps["no-remap"]!;
    const events = s.events.map((e) => e.event);
    expect(events).toContain("planned");
    for (const never of ["detached", "qemu-starting", "qemu-started", "reattached"])
      expect(events).not.toContain(never);
    expect(s.states["no-remap"]).toEqual(HOME);
  });

  it("assigns the TPM with no hand-written DT; L2 reads random bytes through TPM2 commands", () => {
    const s = steps.tpm!;
    expect(s.exit).toBe(0);
    const tpm = readGuestTpm(guestOutput(s));
    expect(tpm.randoms).toHaveLength(5);
    for (const r of tpm.randoms)
      expect(r).toMatch(/^80 01 00 00 00 14 00 00 00 00 00 08( [0-9a-f]{2}){8}$/);
  });

  it("runs QEMU as platpass-qemu: non-zero Uid and Gid, only kvm beside, no capabilities", () => {
    const s = steps.tpm!;
    const starting = s.events.find((e) => e.event === "qemu-starting") as {
      user: { name: string; uid: number; gid: number; groups: number[]; memlockBytes: number };
    };
    const { uid, gid, groups } = starting.user;
    expect(starting.user.name).toBe("platpass-qemu");
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    expect(s.qemu).toEqual({
      Uid: `${uid},${uid},${uid},${uid}`,
      Gid: `${gid},${gid},${gid},${gid}`,
      Groups: groups.join(","),
      CapEff: "0000000000000000",
      // The guest's 256 MiB plus 1 GiB, soft and hard.
      memlock: "1342177280,1342177280",
    });
  });

  it("lends the TPM's /dev/vfio/N to QEMU's user for the run, nothing else of the host's", () => {
    const s = steps.tpm!;
    expect(s.nodes).toEqual({ during: LENT_NODE, other: KERNELS_NODE });
    for (const what of ["other-group", "drivers-probe", "driver-override"])
      expect(s.denied[what], what).toMatch(/^rc=[1-9]\d* .*Permission denied$/);
    expect(s.states.tpm).toEqual(HOME);
  });

  it("times each stage of the launch once, in the order it runs", () => {
    const stages = steps.tpm!.events.filter((e) => e.event === "stage");
    expect(stages.map((e) => e.stage)).toEqual([
      "plan",
      "detach",
      "quiesce",
      "qemu-start",
      "qmp",
      "verify",
      "reattach",
    ]);
    for (const e of stages) expect(e.ms).toSatisfy((ms) => Number.isInteger(ms) && ms >= 0);
  });

  it("takes the legacy VFIO path on Debian's 6.1, which has no VFIO cdevs, and says so", () => {
    const planned = steps.tpm!.events.find((e) => e.event === "planned");
    expect(planned?.vfio).toEqual({
      backend: "legacy",
      reason: "this kernel has no VFIO device cdevs (Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV)",
    });
    const starting = steps.tpm!.events.find((e) => e.event === "qemu-starting");
    expect(starting?.fds).toEqual([]);
    expect(starting?.argv).toContain(`vfio-platform,host=${TPM},id=platpass0`);
  });

  it("reports irqfd with resample for the TPM's level IRQ, and no warning", () => {
    expect(steps.tpm!.trace.join("\n")).toMatch(
      /vfio_platform_start_level_irqfd_injection IRQ index=0, fd = \d+, resamplefd = \d+/,
    );
    const inj = lastInjection(steps.tpm!);
    expect(inj?.irqs).toMatchObject([
      { device: TPM, path: "irqfd+resample", userspaceInjections: 0 },
    ]);
    expect(inj?.warnings).toEqual([]);
    expect(readmeInjectionTable()["6.1 GICv2 legacy-7.2"]).toBe(inj?.irqs[0]?.path);
  });

  it("keeps L2's tpm_tis in interrupt mode, its count rising with every command", () => {
    const tpm = readGuestTpm(guestOutput(steps.tpm!));
    expect(tpm.polling).toBe(false);
    expect(tpm.irqsAfter! - tpm.irqsBefore!).toBeGreaterThanOrEqual(5);
  });

  it("quiesces a TPM handed over with its interrupt asserted, so L2 still gets every interrupt", () => {
    const s = steps.asserted!;
    // localityChange (bit 2) is the one the pokes raise; commandReady and stsValid may be up
    // beside it, as swtpm's state after the host's last command leaves them.
    const status = Number(/^@@asserted asserted status=(0x[0-9a-f]{8})$/m.exec(s.text)?.[1]);
    expect(status & 0x04, `TPM_INT_STATUS ${status.toString(16)}`).toBe(0x04);
    expect(s.exit).toBe(0);
    expect(s.events.find((e) => e.event === "quiesced")).toMatchObject({ device: TPM, steps: 5 });
    const tpm = readGuestTpm(guestOutput(s));
    expect(tpm.polling).toBe(false);
    expect(tpm.irqsAfter! - tpm.irqsBefore!).toBeGreaterThanOrEqual(5);
    expect(s.states.asserted).toEqual(HOME);
  });

  it("gives a node that outlives the launch (managed: false) its owner and mode back", () => {
    expect(steps.asserted!.nodes).toEqual({ before: KERNELS_NODE, after: KERNELS_NODE });
  });

  it("after a SIGKILL of platpass, restore gives the lent node its owner and mode back", () => {
    const s = steps["kill-bound"]!;
    expect(s.nodes).toEqual({ before: KERNELS_NODE, during: LENT_NODE });
    expect(s.exit).toBe(137);
    expect(s.states["kill-bound-killed"]).toMatchObject({ qemu: "0", node: LENT_NODE, nodes: "1" });
    expect(s.restoreExit).toBe(0);
    expect(s.text).toMatch(
      /"action": "returned",\s+"uid": 0,\s+"gid": 0,\s+"mode": "0600",\s+"changed": true/,
    );
    expect(s.states["kill-bound"]).toMatchObject({ node: KERNELS_NODE, nodes: "0" });
    expect(s.states["kill-bound-home"]).toEqual(HOME);
  });

  it("verifies two devices against QEMU's mtree/qtree/QOM and plans the transport after the TPM", () => {
    const s = steps.both!;
    expect(s.exit).toBe(0);
    expect(s.events.find((e) => e.event === "verified")).toMatchObject({
      devices: 2,
      regions: 2,
      irqs: 2,
    });
    const planned = s.events.find((e) => e.event === "planned") as {
      devices: { host: string; regions: { guestAddress: number }[]; irqs: { spi: number }[] }[];
    };
    expect(
      planned.devices.map((d) => [d.host, d.regions[0]!.guestAddress, d.irqs[0]!.spi]),
    ).toEqual([
      [TPM, 0xc000000, 112],
      [VIRTIO, 0xc005000, 113],
    ]);
    expect(readGuestTpm(guestOutput(s)).randoms).toHaveLength(1);
  });

  it("gives the TPM back to tpm_tis after every clean launch", () => {
    expect(steps.tpm!.states.tpm).toEqual(HOME);
    expect(steps.both!.states.both).toEqual(HOME);
  });

  it("reattaches after QEMU is SIGKILLed mid-boot, and says QEMU died", () => {
    const s = steps["qemu-killed"]!;
    expect(s.exit).toBe(6);
    expect(s.text).toMatch(/QEMU_EXITED|killed by SIGKILL/);
    expect(s.states["qemu-killed"]).toEqual(HOME);
  });

  it.each(["sigint-starting", "sigterm-running"])(
    "stops the guest and reattaches on %s",
    (name) => {
      const s = steps[name]!;
      expect(s.events.some((e) => e.event === "stopping")).toBe(true);
      expect(s.events.some((e) => e.event === "reattached")).toBe(true);
      expect(s.exit).toBe(name.startsWith("sigterm") ? 143 : 130);
      expect(s.states[name]).toEqual(HOME);
    },
  );

  it.each(["kill-detached", "kill-running", "killpoint-reattach"])(
    "leaves no QEMU behind when platpass is SIGKILLed (%s), and restore gives the TPM back",
    (name) => {
      const s = steps[name]!;
      expect(s.exit).toBe(137);
      expect(s.states[`${name}-killed`]?.qemu).toBe("0");
      expect(s.restoreExit).toBe(0);
      expect(s.states[name]).toEqual(HOME);
    },
  );
});

describe("platpass launch on the GICv3 emulated host", () => {
  let steps: Record<string, Step>;
  beforeAll(async () => {
    steps = await bed(3, ["launch:tpm:tpmroot"]);
  }, 2_800_000);

  it('runs QEMU as root with qemu.user "root", and warns', () => {
    const s = steps.tpm!;
    expect(s.events.find((e) => e.event === "qemu-starting")?.user).toBe("root");
    expect(s.events.find((e) => e.event === "warning")?.message).toMatch(
      /^QEMU runs as root \(qemu.user "root"\)/,
    );
  });

  it("needs no allow_unsafe_interrupts: the GICv3 ITS remaps MSIs", () => {
    expect(steps.tpm!.unsafe).toEqual({ during: "N" });
    expect(steps.tpm!.exit).toBe(0);
  });

  it("warns that QEMU fell back to the user-space path, with its cost", () => {
    const s = steps.tpm!;
    expect(s.exit).toBe(0);
    expect(s.trace.join("\n")).not.toMatch(/irqfd_injection/);
    expect(s.trace.join("\n")).toMatch(/vfio_platform_intp_interrupt Inject IRQ #0/);
    const inj = lastInjection(s);
    expect(inj?.irqs).toMatchObject([{ device: TPM, path: "userspace" }]);
    expect(readmeInjectionTable()["6.1 GICv3 legacy-7.2"]).toBe(inj?.irqs[0]?.path);
    expect(inj?.warnings[0]).toMatch(/silently fell back to user-space injection/);
    expect(inj?.warnings[0]).toMatch(/76 → 944 Mbit\/s/);
  });

  it("still gets TPM answers in L2 and gives the TPM back", () => {
    expect(readGuestTpm(guestOutput(steps.tpm!)).randoms).toHaveLength(5);
    expect(steps.tpm!.states.tpm).toEqual(HOME);
  });
});
