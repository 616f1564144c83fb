/**
 * Runs a board plugin's quiesce (see Quiesce in src/boards/api.ts) on a device bound to
 * vfio-platform, before QEMU opens it: the register accesses a vfio-platform reset module
 * would make, through the device's VFIO region file (opened by the launch's VFIO check).
 */
import type { QuiesceStep } from "../boards/api.js";
import { VfioError } from "../errors.js";

/** The register access a quiesce needs: one region of the device. */
export interface QuiesceRegisters {
  read(offset: number, width: 8 | 16 | 32): number;
  write(offset: number, value: number, width: 8 | 16 | 32): void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the steps in order; a wait that times out throws, naming the step. */
export async function runQuiesce(
  device: string,
  steps: readonly QuiesceStep[],
  region: (index: number) => QuiesceRegisters,
): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const regs = region(step.region ?? 0);
    const width = step.width ?? 32;
    if ("write" in step) {
      regs.write(step.offset, step.write, width);
      continue;
    }
    const deadline = Date.now() + (step.timeoutMs ?? 750);
    let value = regs.read(step.offset, width);
    while ((value & step.waitFor.mask) !== step.waitFor.equals) {
      if (Date.now() > deadline) {
        throw new VfioError(
          "QUIESCE_TIMEOUT",
          `quiesce step ${i + 1} of ${device}: register 0x${step.offset.toString(16)} read 0x${value.toString(16)}, never (value & 0x${step.waitFor.mask.toString(16)}) == 0x${step.waitFor.equals.toString(16)}`,
          {
            where: device,
            hint: "The device did not answer as its board plugin expects; it was given back to its host driver. Check the device with 'platpass inspect', or the plugin's quiesce.",
          },
        );
      }
      await pause(1);
      value = regs.read(step.offset, width);
    }
  }
}
