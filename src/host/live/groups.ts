/**
 * IOMMU group viability: VFIO lets a group be used only when every device in it is bound
 * to a vfio driver or to none. Anything else in the group could be reached by the
 * assigned device's DMA, so the kernel refuses it and so does platpass, earlier and by name.
 */
import { HostError } from "../../errors.js";
import type { Sysfs } from "./sysfs.js";

export interface GroupMember {
  name: string;
  /** The bus the member sits on ("platform", "amba", "pci"). */
  bus: string | undefined;
  driver: string | undefined;
}

/** Drivers that leave a group viable (vfio_dev_driver_allowed also accepts pci-stub). */
export function isVfioDriver(driver: string | undefined): boolean {
  return driver === undefined || driver.startsWith("vfio") || driver === "pci-stub";
}

export async function groupMembers(sysfs: Sysfs, group: number): Promise<GroupMember[]> {
  const dir = `/sys/kernel/iommu_groups/${group}/devices`;
  const names = await sysfs.list(dir);
  return Promise.all(
    names.map(async (name) => {
      return {
        name,
        bus: await sysfs.linkName(`${dir}/${name}/subsystem`),
        driver: await sysfs.linkName(`${dir}/${name}/driver`),
      };
    }),
  );
}

/** Members, other than those being claimed, whose driver makes the group non-viable. */
export function blockingMembers(
  members: GroupMember[],
  claiming: readonly string[],
): GroupMember[] {
  return members.filter((m) => !claiming.includes(m.name) && !isVfioDriver(m.driver));
}

export function describeBlockers(blockers: GroupMember[]): string {
  return blockers.map((b) => `${b.name} (bound to ${b.driver})`).join(", ");
}

/** Throws HOST_GROUP_NOT_VIABLE naming every blocking device and its driver. */
export async function assertGroupViable(
  sysfs: Sysfs,
  group: number,
  claiming: readonly string[],
): Promise<void> {
  const blockers = blockingMembers(await groupMembers(sysfs, group), claiming);
  if (blockers.length === 0) return;
  const names = blockers.map((b) => b.name).join(" ");
  throw new HostError(
    "HOST_GROUP_NOT_VIABLE",
    `IOMMU group ${group} is not viable: ${describeBlockers(blockers)} ${blockers.length === 1 ? "is" : "are"} bound to a host driver`,
    {
      where: `/sys/kernel/iommu_groups/${group}`,
      hint: `Every device in a group must go to vfio together: run 'platpass detach ${[...claiming, ...blockers.map((b) => b.name)].join(" ")}', or unbind ${names} from ${blockers.length === 1 ? "its driver" : "their drivers"} first.`,
    },
  );
}
