/**
 * The launch stage between binding and QEMU: each assigned device is located once and opened
 * through VFIO, what VFIO reports is held against what the plan placed (a plan made from the
 * host DT for a device that was not yet on vfio), and the plugin's quiesce runs. The device
 * is closed again before QEMU starts (a group is open in one process at a time); its location
 * goes on to the fd handoff.
 */
import { HostError } from "../errors.js";
import type { Assignment } from "../plan/types.js";
import { hex } from "../text.js";
import { LIVE_ROOTS, locateVfioDevice, type VfioLocation } from "../vfio/locate.js";
import { type OpenOptions, openLocatedVfioDevice } from "../vfio/open.js";
import type { VfioDeviceInfo } from "../vfio/types.js";
import { runQuiesce } from "./quiesce.js";

/** Every way VFIO's regions and IRQs differ from the assignment's; empty when they agree. */
export function vfioDisagreements(
  a: Pick<Assignment, "regions" | "irqs">,
  vfio: Pick<VfioDeviceInfo, "regions" | "irqs">,
): string[] {
  const out: string[] = [];
  if (vfio.regions.length !== a.regions.length) {
    out.push(`VFIO reports ${vfio.regions.length} region(s), the plan placed ${a.regions.length}`);
  }
  for (const r of a.regions) {
    const size = vfio.regions[r.index]?.size;
    if (size !== undefined && size !== r.size) {
      out.push(`region ${r.index} is ${hex(size)} bytes in VFIO, ${hex(r.size)} in the plan`);
    }
  }
  if (vfio.irqs.length !== a.irqs.length) {
    out.push(`VFIO reports ${vfio.irqs.length} IRQ(s), the plan wired ${a.irqs.length}`);
  }
  return out;
}

/**
 * Locates and opens the device, checks it against its assignment, runs its quiesce, closes
 * it; returns where it was found, for the fd handoff.
 */
export async function checkThroughVfio(
  a: Assignment,
  options: OpenOptions = {},
): Promise<VfioLocation> {
  const location = await locateVfioDevice(a.host, options.roots ?? LIVE_ROOTS);
  const device = openLocatedVfioDevice(location, options);
  try {
    const problems = vfioDisagreements(a, device.details());
    if (problems.length > 0) {
      throw new HostError(
        "LAUNCH_VFIO_DISAGREES",
        `${a.host}: what VFIO reports is not what the plan placed: ${problems.join("; ")}`,
        {
          where: `${a.host} (host DT node ${a.hostPath})`,
          hint: "The plan was made from the host device tree; vfio-platform derives the regions and IRQs from the same node, so they differ only if the DT changed or the kernel ignores part of it. 'platpass inspect' shows what VFIO reports; the device was given back to its driver.",
        },
      );
    }
    if (a.quiesce) await runQuiesce(a.host, a.quiesce.steps, (i) => device.regionFile(i));
  } finally {
    device.close();
  }
  return location;
}
