/**
 * Opening a device, two ways. Legacy: container /dev/vfio/vfio, group /dev/vfio/N (or
 * noiommu-N), the group joined to the container, the container's IOMMU type set (TYPE1v2,
 * else TYPE1; NOIOMMU for a no-IOMMU group), then VFIO_GROUP_GET_DEVICE_FD. iommufd
 * (Linux 6.6+): /dev/iommu and the device cdev, the cdev bound to iommufd and attached to a
 * fresh IOAS. A failure part-way closes what was opened and reports what failed and why.
 */
import { VfioError } from "../errors.js";
import { type IommuMode, VfioDevice } from "./device.js";
import { call } from "./errors.js";
import { vfioNative } from "./load.js";
import { LIVE_ROOTS, locateVfioDevice, type VfioLocation, type VfioRoots } from "./locate.js";
import type { VfioNative } from "./native.js";
import { GROUP_FLAGS, IOMMU_TYPE, VFIO_API_VERSION } from "./uapi.js";

export type OpenPath = "auto" | "legacy" | "iommufd";

export interface OpenOptions {
  /** auto: iommufd when the kernel offers the device cdev and /dev/iommu, else legacy. */
  path?: OpenPath;
  native?: VfioNative;
  roots?: VfioRoots;
}

/** Closes fds in reverse order of opening when a later step fails. */
class Opened {
  readonly fds: number[] = [];
  constructor(private readonly native: VfioNative) {}
  add(fd: number): number {
    this.fds.push(fd);
    return fd;
  }
  abandon(): void {
    for (const fd of this.fds.reverse()) this.native.closeFd(fd);
  }
}

function openLegacy(native: VfioNative, loc: VfioLocation, opened: Opened): VfioDevice {
  const container = opened.add(
    call(loc.name, () => native.openPath("/dev/vfio/vfio"), "/dev/vfio/vfio"),
  );
  const api = call(loc.name, () => native.apiVersion(container));
  if (api !== VFIO_API_VERSION) {
    throw new VfioError(
      "VFIO_API_MISMATCH",
      `VFIO API version ${api}, platpass speaks ${VFIO_API_VERSION}`,
      {
        ioctl: "VFIO_GET_API_VERSION",
        hint: "This kernel's VFIO is not one platpass knows.",
      },
    );
  }
  const group = opened.add(call(loc.name, () => native.openPath(loc.groupPath), loc.groupPath));
  const status = call(loc.name, () => native.groupStatus(group));
  if (!(status & GROUP_FLAGS.VIABLE)) {
    throw new VfioError("VFIO_GROUP_NOT_VIABLE", `IOMMU group ${loc.group} is not viable`, {
      ioctl: "VFIO_GROUP_GET_STATUS",
      where: loc.groupPath,
      hint: `Every device in the group must be bound to a vfio driver or to none: ${loc.groupDevices.join(", ")}.`,
    });
  }
  call(loc.name, () => native.groupSetContainer(group, container));
  const mode = chooseIommu(native, container, loc);
  const type =
    mode === "noiommu"
      ? IOMMU_TYPE.NOIOMMU
      : mode === "type1v2"
        ? IOMMU_TYPE.TYPE1v2
        : IOMMU_TYPE.TYPE1;
  call(loc.name, () => native.setIommu(container, type));
  const device = opened.add(call(loc.name, () => native.groupDeviceFd(group, loc.name)));
  return new VfioDevice(native, loc.name, mode, { device, group, container }, loc.group);
}

function chooseIommu(native: VfioNative, container: number, loc: VfioLocation): IommuMode {
  const has = (t: number) => call(loc.name, () => native.checkExtension(container, t)) > 0;
  if (loc.noiommu) {
    if (has(IOMMU_TYPE.NOIOMMU)) return "noiommu";
    throw new VfioError(
      "VFIO_NOIOMMU_UNAVAILABLE",
      `group ${loc.group} is a no-IOMMU group but the container offers no NOIOMMU type`,
      {
        ioctl: "VFIO_CHECK_EXTENSION",
        hint: "Enable it: echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode (kernel built with CONFIG_VFIO_NOIOMMU).",
      },
    );
  }
  if (has(IOMMU_TYPE.TYPE1v2)) return "type1v2";
  if (has(IOMMU_TYPE.TYPE1)) return "type1";
  throw new VfioError("VFIO_NO_IOMMU_DRIVER", "the VFIO container offers no type1 IOMMU", {
    ioctl: "VFIO_CHECK_EXTENSION",
    hint: "modprobe vfio_iommu_type1",
  });
}

function openIommufd(native: VfioNative, loc: VfioLocation, opened: Opened): VfioDevice {
  const iommufdPath = loc.iommufdPath ?? "/dev/iommu";
  const cdev = loc.cdevPath;
  if (!cdev) {
    throw new VfioError("VFIO_NO_CDEV", `${loc.name} has no VFIO device cdev`, {
      where: loc.name,
      hint: "VFIO device cdevs need Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV; use the legacy path.",
    });
  }
  const iommufd = opened.add(call(loc.name, () => native.openPath(iommufdPath), iommufdPath));
  const device = opened.add(call(loc.name, () => native.openPath(cdev), cdev));
  call(loc.name, () => native.bindIommufd(device, iommufd));
  const ioas = call(loc.name, () => native.ioasAlloc(iommufd));
  call(loc.name, () => native.attachIommufdPt(device, ioas));
  return new VfioDevice(native, loc.name, "iommufd", { device, iommufd }, loc.group);
}

export async function openVfioDevice(name: string, options: OpenOptions = {}): Promise<VfioDevice> {
  return openLocatedVfioDevice(await locateVfioDevice(name, options.roots ?? LIVE_ROOTS), options);
}

/** Opens a device located already (a launch locates each device once, after binding). */
export function openLocatedVfioDevice(loc: VfioLocation, options: OpenOptions = {}): VfioDevice {
  const native = options.native ?? vfioNative();
  const path = options.path ?? "auto";
  const useIommufd =
    path === "iommufd" ||
    (path === "auto" &&
      loc.cdevPath !== undefined &&
      loc.iommufdPath !== undefined &&
      !loc.noiommu);
  const opened = new Opened(native);
  try {
    return useIommufd ? openIommufd(native, loc, opened) : openLegacy(native, loc, opened);
  } catch (e) {
    opened.abandon();
    throw e;
  }
}
