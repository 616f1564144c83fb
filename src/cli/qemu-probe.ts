import { findQemu, formatVersion } from "../qemu/binary.js";
import { LAST_VFIO_PLATFORM_RELEASE, PROBED_DEVICES, probeQemu } from "../qemu/probe.js";
import { table } from "../text.js";
import { type CommandIO, flag, type ParsedArgs, stringOption } from "./command.js";

const yesNo = (b: boolean) => (b ? "yes" : "no");

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
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
  for (const line of table(rows)) io.out(line);
  return 0;
}
