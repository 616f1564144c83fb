/** The doctor's QEMU checks, answered by the capability probe rather than by `-device help`. */
import { isPlatpassError } from "../errors.js";
import { findQemu, formatVersion, type QemuBinary } from "../qemu/binary.js";
import { LAST_VFIO_PLATFORM_RELEASE, probeQemu } from "../qemu/probe.js";
import type { Check } from "./check.js";

const yesNo = (b: boolean) => (b ? "yes" : "no");
const message = (e: unknown) => (isPlatpassError(e) || e instanceof Error ? e.message : String(e));

export async function qemuChecks(): Promise<Check[]> {
  const name = "qemu-system-aarch64";
  const roles: Check["roles"] = ["plan", "launch", "bed", "tests"];
  let binary: QemuBinary;
  try {
    binary = await findQemu();
  } catch (e) {
    return [
      {
        roles,
        name,
        ok: false,
        detail: message(e),
        fix: "apt-get install -y qemu-system-arm (or point PLATPASS_QEMU at a qemu-system-aarch64)",
      },
    ];
  }
  try {
    const { probe } = await probeQemu(binary);
    const v = probe.version;
    const vfio = probe.vfioPlatform;
    return [
      {
        roles,
        name,
        ok: true,
        detail: `${binary.path}: QEMU ${formatVersion(v)}${v.package ? ` (${v.package})` : ""}`,
      },
      {
        roles: ["launch"],
        name: "QEMU has vfio-platform",
        ok: vfio.present,
        detail: vfio.present
          ? `vfio-platform present (x-irqfd ${yesNo(vfio.irqfd)}, iommufd ${yesNo(vfio.iommufd)}, fd ${yesNo(vfio.fd)})`
          : `this QEMU has no vfio-platform device (QEMU 10.2 removed it; ${LAST_VFIO_PLATFORM_RELEASE} is the last release with it)`,
        ...(vfio.present
          ? {}
          : {
              fix: `use QEMU 7.2 … ${LAST_VFIO_PLATFORM_RELEASE} (Debian 12's qemu-system-arm 7.2 works)`,
            }),
      },
    ];
  } catch (e) {
    return [
      {
        roles,
        name,
        ok: false,
        detail: `${binary.path} could not be probed: ${message(e)}`,
        fix: "run 'platpass qemu probe --refresh' to see QEMU's own message",
      },
    ];
  }
}
