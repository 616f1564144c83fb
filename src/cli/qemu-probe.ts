import { findQemu, formatVersion } from "../qemu/binary.js";
import { LAST_VFIO_PLATFORM_RELEASE, PROBED_DEVICES, probeQemu } from "../qemu/probe.js";
import { type Command, flag, stringOption } from "./command.js";

const yesNo = (b: boolean) => (b ? "yes" : "no");

export const qemuProbeCommand: Command = {
  name: "qemu probe",
  summary:
    "which QEMU platpass uses, its version and what it can assign (vfio-platform, irqfd, iommufd, fd)",
  usage: "[--qemu PATH] [--refresh] [--json]",
  help: "Finds qemu-system-aarch64 (--qemu, else $PLATPASS_QEMU, else $PATH) and asks it over QMP\n(query-version, device-list-properties) which of vfio-platform, vfio-calxeda-xgmac,\nvfio-amd-xgbe and tpm-tis-device it has, and whether vfio-platform takes x-irqfd, iommufd\nand fd. Answers are cached per binary path and modification time.\n  --qemu PATH   the QEMU binary to probe\n  --refresh     probe again even when a cached answer exists",
  options: { qemu: { type: "string" }, refresh: { type: "boolean" } },
  json: true,
  async run(args, io) {
    const binary = await findQemu({ explicit: stringOption(args, "qemu") });
    const { probe, cached } = await probeQemu(binary, {
      refresh: flag(args, "refresh"),
      progress: io.progress,
    });
    if (io.json) {
      io.out(JSON.stringify({ ...probe, cached }, null, 2));
      return 0;
    }
    const v = probe.version;
    const vfio = probe.vfioPlatform;
    const rows: [string, string][] = [
      ["binary", `${binary.path} (from ${binary.source})`],
      ["version", `${formatVersion(v)}${v.package ? ` (${v.package})` : ""}`],
      ...PROBED_DEVICES.map((d): [string, string] => [d, yesNo(probe.devices[d].present)]),
      [
        "vfio-platform properties",
        vfio.present
          ? `x-irqfd ${yesNo(vfio.irqfd)}, iommufd ${yesNo(vfio.iommufd)}, fd ${yesNo(vfio.fd)}`
          : `absent: QEMU 10.2 removed it; ${LAST_VFIO_PLATFORM_RELEASE} is the last release with it`,
      ],
      ["probed", `${probe.probedAt}${cached ? " (cached)" : ""}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, val] of rows) io.out(`${k.padEnd(width)}  ${val}`);
    return 0;
  },
};
