/**
 * A device as the policy judges it, read from live sysfs for a command that has no plan
 * (`platpass detach`): its name, its DT node's compatible strings and its IOMMU group.
 */

import { requireBus } from "../host/bind/reattach.js";
import { stringsOf } from "../host/dt/dtprops.js";
import { deviceDir, readGroup } from "../host/live/device-sysfs.js";
import { Sysfs } from "../host/live/sysfs.js";
import type { PolicySubject } from "./rules.js";

export async function liveSubject(name: string, sysfs = new Sysfs()): Promise<PolicySubject> {
  const bus = await requireBus(sysfs, name);
  const compatible = await sysfs.readBytes(`${deviceDir(bus, name)}/of_node/compatible`);
  return {
    name,
    compatible: compatible === undefined ? [] : stringsOf(compatible),
    iommuGroup: await readGroup(sysfs, bus, name),
  };
}
