/**
 * The files an iommufd launch hands QEMU (`-object iommufd,fd=3`, `fd=4`…): opened here, after
 * the devices are bound to vfio-platform (a device has a VFIO cdev only then), and closed
 * again as soon as QEMU has its copies. Closing early matters: while platpass holds a cdev
 * open, the kernel cannot release the device from vfio-platform when QEMU is done with it.
 */
import { closeSync, openSync } from "node:fs";
import { HostError } from "../errors.js";
import { FIRST_HANDOFF_FD } from "../plan/qemu-args.js";
import type { HandoffFd } from "../plan/types.js";
import type { VfioLocation } from "../vfio/locate.js";

export interface OpenHandoff {
  /** Our open fds, in the order of the plan's fd numbers (the launcher puts the first at 3). */
  fds: number[];
  /** The fd number QEMU sees each file at and what the file is, for the launch events. */
  files: { fd: number; path: string }[];
  close(): void;
}

/** Where each device was located after binding (by the launch's VFIO check), by sysfs name. */
export type Locations = ReadonlyMap<string, VfioLocation>;

function pathOf(want: HandoffFd, locations: Locations, dev: string): string {
  if (want.opens === "iommufd") return `${dev}/iommu`;
  const loc = locations.get(want.device);
  if (!loc) throw new Error(`handoff: ${want.device} was not located after binding`);
  if (loc.cdevPath === undefined) {
    throw new HostError(
      "HOST_NO_VFIO_CDEV",
      `${want.device} is bound to ${loc.driver} but has no VFIO device cdev`,
      {
        where: `/sys/bus/${loc.bus}/devices/${want.device}/vfio-dev`,
        hint: 'The iommufd path needs Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV; set qemu.vfioBackend to "legacy" to let QEMU open the group instead.',
      },
    );
  }
  return loc.cdevPath;
}

/** Opens every planned file read-write; on any failure closes what it opened and throws. */
export function openHandoff(
  wanted: readonly HandoffFd[],
  locations: Locations,
  dev = "/dev",
): OpenHandoff {
  const fds: number[] = [];
  const files: OpenHandoff["files"] = [];
  const close = () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
  try {
    for (const [i, want] of wanted.entries()) {
      // The launcher passes the files positionally from fd 3 on.
      if (want.fd !== FIRST_HANDOFF_FD + i) {
        throw new Error(
          `handoff fds must run from ${FIRST_HANDOFF_FD} without gaps, got ${wanted.map((w) => w.fd)}`,
        );
      }
      const path = pathOf(want, locations, dev);
      try {
        fds.push(openSync(path, "r+"));
      } catch (e) {
        throw new HostError(
          "HOST_HANDOFF_OPEN_FAILED",
          `cannot open ${path} for QEMU: ${String(e)}`,
          {
            where: path,
            hint: "platpass opens /dev/iommu and the VFIO cdevs itself (QEMU gets the fds): run it as root or give its user access to them.",
            cause: e,
          },
        );
      }
      files.push({ fd: want.fd, path });
    }
  } catch (e) {
    close();
    throw e;
  }
  return { fds, files, close };
}
