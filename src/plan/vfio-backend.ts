/**
 * How QEMU reaches the assigned devices. The legacy path: QEMU opens /dev/vfio/GROUP itself
 * (`host=`). The iommufd path (QEMU 9.0–10.1, Linux 6.6+): platpass opens /dev/iommu and each
 * device's VFIO cdev and hands QEMU the fds (`-object iommufd,fd=`, `fd=`, `iommufd=`), so
 * QEMU needs no access to /dev/vfio or sysfs. Pure: the caller gives what the QEMU probe and
 * the host said. The host is asked first: a host without VFIO cdevs settles it without
 * starting the QEMU to probe it (seconds on a loaded emulated host).
 */
import type { VfioBackendChoice } from "../config/schema.js";
import { HostError, QemuError } from "../errors.js";

export type VfioBackend = "legacy" | "iommufd";

/** What `device-list-properties vfio-platform` showed (src/qemu/probe.ts). */
export interface QemuVfioSupport {
  /** A QEMU version for messages, e.g. "7.2.15". */
  version: string;
  fd: boolean;
  iommufd: boolean;
}

/** What the live host showed; undefined when planning offline against a board DTB. */
export interface HostVfioSupport {
  vfioDeviceCdev: boolean | undefined;
  iommufd: boolean | undefined;
}

/** Whether the decision depends on the QEMU's properties (else the caller need not probe it). */
export function needsQemuProbe(
  requested: VfioBackendChoice,
  host: HostVfioSupport | undefined,
): boolean {
  if (requested === "legacy") return false;
  if (requested === "iommufd") return true;
  return host?.vfioDeviceCdev === true && host.iommufd === true;
}

export interface BackendDecision {
  backend: VfioBackend;
  /** One sentence: why this backend, for `platpass plan` and the launch events. */
  reason: string;
}

function qemuLacks(q: QemuVfioSupport | undefined): string | undefined {
  if (!q) return "the QEMU's vfio-platform properties are unknown";
  if (q.fd && q.iommufd) return undefined;
  return `QEMU ${q.version}'s vfio-platform has no ${[!q.fd && "fd", !q.iommufd && "iommufd"].filter(Boolean).join(" or ")} property (QEMU 9.0-10.1 have both)`;
}

function hostLacks(h: HostVfioSupport): string | undefined {
  if (h.vfioDeviceCdev === false) {
    return "this kernel has no VFIO device cdevs (Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV)";
  }
  if (h.iommufd === false) return "/dev/iommu is missing (iommufd not loaded or not built)";
  if (h.vfioDeviceCdev === undefined || h.iommufd === undefined) {
    return "the host's VFIO cdev and iommufd support is unknown";
  }
  return undefined;
}

export function chooseVfioBackend(
  requested: VfioBackendChoice,
  qemu: QemuVfioSupport | undefined,
  host: HostVfioSupport | undefined,
): BackendDecision {
  if (requested === "legacy") {
    return { backend: "legacy", reason: 'the config asks for it (qemu.vfioBackend "legacy")' };
  }
  const noQemu = qemuLacks(qemu);
  const noHost = host ? hostLacks(host) : undefined;
  if (requested === "iommufd") {
    if (noQemu) {
      throw new QemuError("QEMU_NO_IOMMUFD", `qemu.vfioBackend is "iommufd" but ${noQemu}`, {
        where: "qemu.vfioBackend",
        hint: 'Use a QEMU from 9.0 to 10.1 (qemu.binary), or set qemu.vfioBackend to "auto" or "legacy".',
      });
    }
    if (noHost) {
      throw new HostError("HOST_NO_IOMMUFD", `qemu.vfioBackend is "iommufd" but ${noHost}`, {
        where: "qemu.vfioBackend",
        hint: 'The iommufd path needs Linux 6.6+ built with CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV (Debian 12\'s 6.1 and its 6.12 backport have neither) and "modprobe iommufd"; or set qemu.vfioBackend to "auto" or "legacy".',
      });
    }
    return {
      backend: "iommufd",
      reason: host
        ? 'the config asks for it (qemu.vfioBackend "iommufd")'
        : 'the config asks for it (qemu.vfioBackend "iommufd"); planned offline, so the host is assumed to have VFIO cdevs and /dev/iommu',
    };
  }
  if (!host)
    return { backend: "legacy", reason: "planned offline: the host's iommufd support is unknown" };
  const missing = noHost ?? noQemu;
  if (missing) return { backend: "legacy", reason: missing };
  return { backend: "iommufd", reason: "the QEMU and the host both have VFIO cdevs and iommufd" };
}
