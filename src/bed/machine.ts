/**
 * The L1 machine: QEMU `virt` with EL2 (so L1 has /dev/kvm), an SMMUv3 and the platform
 * TPM. The device tree L1 boots is QEMU's own dump of exactly this machine (it differs per
 * GIC version, CPU count and memory size), so the dump and the boot share these arguments.
 */

export type GicVersion = 2 | 3;

export interface MachineShape {
  gic: GicVersion;
  smp: number;
  memMiB: number;
}

export const DEFAULT_SHAPE: MachineShape = { gic: 3, smp: 2, memMiB: 1024 };

export function machineArgs(shape: MachineShape): string[] {
  return [
    "-M",
    `virt,gic-version=${shape.gic},virtualization=on,iommu=smmuv3`,
    "-cpu",
    // QEMU's default pointer-authentication algorithm (QARMA5) is costly to emulate and
    // Debian's kernel signs every return address; the implementation-defined one is cheap.
    "max,pauth-impdef=on",
    "-smp",
    String(shape.smp),
    "-m",
    String(shape.memMiB),
  ];
}

export function shapeKey(shape: MachineShape): string {
  return `gic${shape.gic}-smp${shape.smp}-mem${shape.memMiB}`;
}
