/**
 * AMBA (PrimeCell) devices: Linux binds them to vfio-amba, but QEMU's vfio-platform refuses
 * them and QEMU has no vfio-amba device, so none can reach a guest. `list` and `plan` share
 * the rule and the words, so a device `list` calls ready is one `plan` takes.
 */
import type { HostDevice } from "../device.js";

/** PrimeCell devices sit on the amba bus; a primecell compatible marks one anywhere else. */
export function isAmba(device: HostDevice): boolean {
  return device.bus === "amba" || device.compatible.includes("arm,primecell");
}

export const AMBA_REFUSAL =
  "QEMU's vfio-platform rejects AMBA devices and QEMU has no vfio-amba device";

/** The reason as one of a device's problems. */
export const AMBA_PROBLEM = `an AMBA (PrimeCell) device: ${AMBA_REFUSAL}`;
