// The emulated ARM host as its users see it, through the CLI: one GICv3 boot runs
// host-world.sh, which prints the facts below; a GICv2 boot runs it again through the API.
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { runInBed } from "../../../src/bed/index.js";

const CLI = fileURLToPath(new URL("../../../bin/platpass.js", import.meta.url));
const SCRIPT = "test/bed/bed/host-world.sh";
const HOST_VERSION = (await execa("node", [CLI, "--version"])).stdout.trim();

function facts(output: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of output.matchAll(/^([a-z_-]+): ?(.*)$/gm)) out[m[1]!] = m[2]!.trim();
  return out;
}

describe("platpass bed run on GICv3 (the default)", () => {
  let run: { exitCode?: number; stdout: string; stderr: string };
  let f: Record<string, string>;

  beforeAll(async () => {
    run = await execa("node", [CLI, "bed", "run", "--timeout", "900", "--", "sh", SCRIPT], {
      reject: false,
    });
    process.stderr.write(`${run.stderr}\n`);
    f = facts(run.stdout);
  }, 1_000_000);

  it("exits with the command's exit code and streams its output", () => {
    expect(run.exitCode, run.stdout + run.stderr).toBe(7);
    expect(run.stdout).toMatch(/^kvm: /);
  });

  it("has /dev/kvm, the bed's modules and their parameters", () => {
    expect(f.kvm).toBe("/dev/kvm");
    for (const m of [
      "vfio",
      "vfio_iommu_type1",
      "vfio_platform",
      "vfio_amba",
      "tpm_tis",
      "tpm_tis_core",
    ]) {
      expect(f.modules?.split(" ")).toContain(m);
    }
    expect(f.reset_required).toBe("N");
    expect(f.allow_unsafe_interrupts).toBe("N");
  });

  it("puts node, platpass and qemu-system-aarch64 on PATH, running the mounted checkout", () => {
    expect(f.paths).toBe(
      "/usr/local/bin/node /usr/local/bin/platpass /usr/bin/qemu-system-aarch64",
    );
    expect(f.node).toBe("v20.20.2");
    expect(f.platpass).toBe(HOST_VERSION);
    expect(f.cwd).toBe("/platpass");
  });

  it("delivers the TPM's interrupt to tpm_tis (GICv3 INTID 144) instead of polling", () => {
    expect(f.gic).toBe("GICv3");
    expect(f.getrandom).toMatch(/^80 01 00 00 00 14 00 00 00 00 00 08 /);
    expect(Number(f["irq-after"])).toBeGreaterThan(Number(f["irq-before"]));
    expect(f.polling).toBe("0");
  });

  it("gives the TPM bound by hand to vfio-platform a numbered type1 group", () => {
    expect(f.driver).toBe("vfio-platform");
    const issue = run.stdout.split("--- issue check\n")[1] ?? "";
    const group = issue.match(/iommu_groups\/(\d+)$/m)?.[1];
    expect(group, issue).toBeDefined();
    expect(issue.split(/\s+/)).toContain(group);
    expect(issue).not.toMatch(/noiommu/);
    expect(f["virtio-group"]).toMatch(/^\d+$/);
    expect(f["virtio-group"]).not.toBe(group);
  });
});

describe("runInBed on GICv2", () => {
  let f: Record<string, string>;
  let exitCode: number;

  beforeAll(async () => {
    const r = await runInBed({
      command: ["sh", SCRIPT],
      gic: 2,
      timeoutMs: 900_000,
      progress: (l) => process.stderr.write(`${l}\n`),
    });
    process.stderr.write(`GICv2 timings: ${JSON.stringify(r.timings)}\n`);
    exitCode = r.exitCode;
    f = facts(r.output);
  }, 1_000_000);

  it("loads vfio_iommu_type1 with allow_unsafe_interrupts=1 (no ITS, no MSI remapping)", () => {
    expect(exitCode).toBe(7);
    expect(f.allow_unsafe_interrupts).toBe("Y");
  });

  it("runs on a GICv2 with the TPM's interrupt and a numbered group", () => {
    expect(f.gic).toBe("GICv2");
    expect(Number(f["irq-after"])).toBeGreaterThan(Number(f["irq-before"]));
    expect(f.driver).toBe("vfio-platform");
  });
});
