import { hostTreeOf } from "../boards/host-tree.js";
import { loadRegistry } from "../boards/loader.js";
import { matchReport } from "../boards/match.js";
import { readDtbFile } from "../fdt/file.js";
import { hostFromDtb } from "../host/dt/offline.js";
import { liveHost } from "../host/live/discover.js";
import { readLiveDt } from "../host/live/livedt.js";
import { Sysfs } from "../host/live/sysfs.js";
import { vfioProbe } from "../host/live/vfioprobe.js";
import { type CommandIO, type ParsedArgs, stringOption } from "./command.js";
import { hostModelJson, hostModelText } from "./host-table.js";
import { writeJsonDocument } from "./json-stream.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
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
    io.out(`  ${p.device}: ${taken}${p.problems.length > 0 ? ` — ${p.problems.join("; ")}` : ""}`);
  }
  return 0;
}
