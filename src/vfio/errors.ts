/**
 * Turns the addon's thrown errors (op, errno) into VfioError values whose hint says what the
 * failure means for VFIO in particular: EBUSY on a group is another holder, EPERM on
 * VFIO_SET_IOMMU is a host without interrupt remapping, and so on.
 */
import { VfioError } from "../errors.js";

export interface NativeFailure {
  op: string;
  errno: string;
  message: string;
}

/** The addon's error fields, when `e` is one of its errors. */
export function nativeFailure(e: unknown): NativeFailure | undefined {
  if (!(e instanceof Error)) return undefined;
  const { op, errno } = e as Error & { op?: unknown; errno?: unknown };
  if (typeof op !== "string" || typeof errno !== "string") return undefined;
  return { op, errno, message: e.message };
}

interface Explanation {
  code: string;
  hint: string;
}

function explain(f: NativeFailure, path: string | undefined, device: string): Explanation {
  const p = path ?? "";
  if (f.op === "open" && /\/vfio\/(noiommu-)?\d+$/.test(p)) {
    if (f.errno === "EBUSY") {
      return {
        code: "VFIO_GROUP_BUSY",
        hint: `Another process holds ${p} (a running QEMU or another platpass); 'fuser -v ${p}' names it. A group can be open in one process at a time.`,
      };
    }
    if (f.errno === "ENOENT") {
      return {
        code: "VFIO_GROUP_MISSING",
        hint: `${p} does not exist: bind ${device} to vfio-platform (or vfio-amba) first, and check that every device of its IOMMU group is bound to a vfio driver or to none.`,
      };
    }
    if (f.errno === "EPERM" || f.errno === "EACCES") {
      return {
        code: "VFIO_GROUP_PERMISSION",
        hint: p.includes("noiommu")
          ? `No-IOMMU groups need CAP_SYS_RAWIO: run as root. (${p} exists only because vfio's enable_unsafe_noiommu_mode=1.)`
          : `Run as root or give this user access to ${p} (udev rule or chown).`,
      };
    }
  }
  if (f.op === "open" && p.endsWith("/vfio/vfio")) {
    return {
      code: "VFIO_NO_CONTAINER",
      hint: "Load the VFIO core: 'modprobe vfio vfio_iommu_type1' (and vfio-platform reset_required=0 for platform devices without a reset module).",
    };
  }
  if (f.op === "open" && p.endsWith("/iommu")) {
    return {
      code: "VFIO_NO_IOMMUFD",
      hint: "This kernel offers no iommufd (CONFIG_IOMMUFD, Linux 6.2+); use the legacy container path (--legacy).",
    };
  }
  if (f.op === "VFIO_SET_IOMMU" && f.errno === "EPERM") {
    return {
      code: "VFIO_NO_INTERRUPT_REMAPPING",
      hint: "vfio_iommu_type1 refused the group: this host has no interrupt (MSI) remapping, e.g. a GICv2 without an ITS, so a device could inject arbitrary interrupts. If you trust the device and the guest, allow it with 'modprobe vfio_iommu_type1 allow_unsafe_interrupts=1' (or write 1 to /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts before opening the group); otherwise this device cannot be assigned safely on this host.",
    };
  }
  if (f.op === "VFIO_DEVICE_BIND_IOMMUFD" && f.errno === "EPERM") {
    // iommufd's bind is the one place it refuses a device whose MSIs are not isolated; Linux
    // 6.12 asks per device, so a platform device without an msi-parent is refused even beside
    // a GICv3 ITS (seen in the emulated 6.12 host).
    return {
      code: "VFIO_NO_INTERRUPT_REMAPPING",
      hint: "iommufd refused to bind the device: the kernel cannot isolate its interrupts (MSIs), so the device could inject arbitrary host interrupts; the kernel log says 'MSI interrupts are not secure'. Linux 6.12 decides this per device: a platform device whose interrupts are wired, with no msi-parent behind a GICv3 ITS, is never isolated. If you trust the device and the guest, allow it with 'modprobe iommufd allow_unsafe_interrupts=1' (or write 1 to /sys/module/iommufd/parameters/allow_unsafe_interrupts); otherwise this device cannot be assigned safely on this host.",
    };
  }
  if (f.op === "VFIO_GROUP_GET_DEVICE_FD") {
    return {
      code: "VFIO_DEVICE_NOT_IN_GROUP",
      hint: `The group has no device named ${device}, or the device is already open elsewhere (errno ${f.errno}). Check /sys/kernel/iommu_groups/*/devices and that ${device} is bound to vfio-platform.`,
    };
  }
  if (f.op === "VFIO_DEVICE_RESET") {
    return {
      code: "VFIO_RESET_UNSUPPORTED",
      hint: `${device} has no reset handler (vfio-platform was loaded with reset_required=0 and no vfio-platform-* reset module matches its compatible).`,
    };
  }
  if (f.op === "VFIO_DEVICE_SET_IRQS" && f.errno === "EINVAL") {
    return {
      code: "VFIO_IRQ_ACTION_UNSUPPORTED",
      hint: "The kernel refused this IRQ action: edge IRQs of vfio-platform are not maskable, and only a level (automasked) IRQ takes an unmask eventfd. 'platpass inspect' lists each IRQ's flags.",
    };
  }
  if (f.op === "mmap") {
    return {
      code: "VFIO_MMAP_FAILED",
      hint: "The region does not allow mmap (its address or size is not page-aligned, or the driver forbids it); use pread/pwrite access instead.",
    };
  }
  if ((f.op === "pread" || f.op === "pwrite") && f.errno === "EINVAL") {
    return {
      code: "VFIO_ACCESS_REFUSED",
      hint: "The kernel refused the access: the offset is outside the region, or the region is not readable/writable.",
    };
  }
  return {
    code: "VFIO_SYSCALL_FAILED",
    hint: `Unexpected ${f.errno} from ${f.op}; the kernel log (dmesg) usually says more.`,
  };
}

/** A VfioError for an addon failure; anything else is returned unchanged. */
export function vfioErrorFrom(e: unknown, device: string, path?: string): unknown {
  const f = nativeFailure(e);
  if (!f) return e;
  const { code, hint } = explain(f, path, device);
  const ioctl = /^(VFIO|IOMMU)_/.test(f.op) ? f.op : undefined;
  return new VfioError(code, f.message, {
    where: path ? `${device}, ${path}` : device,
    hint,
    cause: e,
    ...(ioctl ? { ioctl } : {}),
    errno: f.errno,
  });
}

/** Runs one native call; an addon failure becomes a VfioError. */
export function call<T>(device: string, fn: () => T, path?: string): T {
  try {
    return fn();
  } catch (e) {
    throw vfioErrorFrom(e, device, path);
  }
}
