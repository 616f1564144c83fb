import { hostTreeOf } from "../boards/host-tree.js";
import { loadRegistry } from "../boards/loader.js";
import { matchReport } from "../boards/match.js";
import { readDtbFile } from "../fdt/index.js";
import { hostFromDtb, liveHost } from "../host/index.js";
import { readLiveDt } from "../host/live/livedt.js";
import { Sysfs } from "../host/live/sysfs.js";
import { vfioProbe } from "../host/live/vfioprobe.js";
import { type Command, stringOption } from "./command.js";
import { hostModelJson, hostModelText } from "./host-table.js";
import { writeJsonDocument } from "./json-stream.js";

export const listCommand: Command = {
  name: "list",
  summary: "the host's platform and AMBA devices: drivers, IOMMU groups, readiness for vfio",
  usage: "[--host-dtb FILE] [--json]",
  help: [
    "Lists every device-tree platform and AMBA device with its compatible, current driver,",
    "driver_override, IOMMU group (and the group's other members), and what stands between it",
    "and vfio: the vfio modules, a reset handler for vfio-platform, group viability, and MSI",
    "remapping (a host without a GICv3 ITS needs vfio_iommu_type1 allow_unsafe_interrupts=1).",
    "Regions and IRQs come from VFIO for devices bound to vfio, else from the host DT node.",
    "",
    "--host-dtb FILE builds the same model from a board DTB instead of this machine's sysfs:",
    "device names as the kernel would give them (e.g. e0700000.xgmac), regions translated",
    "through the parents' ranges, IRQ trigger types from the interrupt specifiers.",
  ].join("\n"),
  options: { "host-dtb": { type: "string" } },
  json: true,
  async run(args, io) {
    const dtb = stringOption(args, "host-dtb");
    const tree = dtb ? await readDtbFile(dtb) : undefined;
    const model = tree ? hostFromDtb(tree, dtb) : await liveHost({ vfioProbe });
    const registry = await loadRegistry();
    const hostTree = hostTreeOf(tree ?? (await readLiveDt(new Sysfs())));
    const plugins = function* () {
      for (const d of model.devices) yield matchReport(registry, d, hostTree);
    };
    if (io.json) {
      const { fields, devices } = hostModelJson(model);
      await writeJsonDocument(io.out, fields, { devices, plugins: plugins() }, io.drain);
      return 0;
    }
    for (const line of hostModelText(model)) io.out(line);
    io.out("");
    io.out("board plugins:");
    for (const p of plugins()) {
      const taken = p.plugin ? `${p.plugin} (${p.qemuDevice})` : "none";
      io.out(
        `  ${p.device}: ${taken}${p.problems.length > 0 ? ` — ${p.problems.join("; ")}` : ""}`,
      );
    }
    return 0;
  },
};
