// A GICv2 host has no interrupt remapping: the kernel's refusal and platpass's explanation,
// then the same device once the administrator allows unsafe interrupts. One GICv2 boot.
import { beforeAll, describe, expect, it } from "vitest";
import { runInBed } from "../../../src/bed/index.js";
import { parseResult } from "./result-line.mjs";

interface Recorded {
  steps: Record<string, unknown>;
  errors: Record<string, { code?: string; ioctl?: string; errno?: string; hint?: string }>;
}

let record: Recorded;

beforeAll(async () => {
  const r = await runInBed({
    command: ["node", "test/bed/vfio/no-remapping.mjs"],
    gic: 2,
    timeoutMs: 1_200_000,
    onOutput: (t) => process.stderr.write(t),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  expect(r.exitCode, r.output.slice(-3000)).toBe(0);
  record = parseResult(r.output) as Recorded;
}, 1_500_000);

describe("a GICv2 host without interrupt remapping", () => {
  it("refuses VFIO_SET_IOMMU with EPERM, explained as missing interrupt remapping", () => {
    expect(record.errors.refused).toMatchObject({
      code: "VFIO_NO_INTERRUPT_REMAPPING",
      ioctl: "VFIO_SET_IOMMU",
      errno: "EPERM",
      hint: expect.stringContaining("allow_unsafe_interrupts=1"),
    });
  });

  it("says so from the CLI with the VFIO exit code", () => {
    expect(record.steps.refusedCli).toMatchObject({
      exitCode: 5,
      stderr: expect.stringContaining("[VFIO_NO_INTERRUPT_REMAPPING]"),
    });
  });

  it("opens the TPM through TYPE1v2 once unsafe interrupts are allowed, and its IRQ fires", () => {
    expect(record.steps.allowed).toEqual({ mode: "type1v2", count: 1 });
    expect(record.steps.restore).toBe("tpm_tis");
    expect(Object.keys(record.errors)).toEqual(["refused"]);
  });
});
