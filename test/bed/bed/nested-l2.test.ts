// A nested guest (L2) inside the emulated host reads the TPM's DID_VID through
// vfio-platform, using the kernel and initramfs the bed provides for L2.
import { beforeAll, describe, expect, it } from "vitest";
import { buildBed, runInBed } from "../../../src/bed/index.js";

describe("a nested L2 guest with the TPM assigned through vfio-platform", () => {
  let output: string;
  let exitCode: number;

  beforeAll(async () => {
    const assets = await buildBed();
    const r = await runInBed({
      command: ["sh", "test/bed/bed/nested-l2.sh"],
      env: { L2_KERNEL: assets.l2.inL1.kernel, L2_INITRAMFS: assets.l2.inL1.initramfs },
      timeoutMs: 1_200_000,
      onOutput: (t) => process.stderr.write(t),
    });
    output = r.output;
    exitCode = r.exitCode;
    const start = Number(output.match(/^l2-start: (\S+)/m)?.[1]);
    const end = Number(output.match(/^l2-end: (\S+)/m)?.[1]);
    process.stderr.write(
      `nested timings: L1 boot ${r.timings.bootMs} ms, L2 run ${((end - start) * 1000).toFixed(0)} ms, total ${r.timings.totalMs} ms\n`,
    );
  }, 1_300_000);

  it("boots L2 and exits cleanly", () => {
    expect(exitCode, output).toBe(0);
    expect(output).toMatch(/^l1-driver: vfio-platform$/m);
    expect(output).toMatch(/platpass-l2: ready/);
  });

  it("drives the TPM from L2's tpm_tis", () => {
    expect(output).toMatch(/tpm_tis c000000\.tpm: 2\.0 TPM \(device-id 0x1, rev-id 1\)/);
  });

  it("reads DID_VID 0x00011014 at the TPM's guest address", () => {
    expect(output).toMatch(/^did_vid: 0x00011014\r?$/m);
  });
});
