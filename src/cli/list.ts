import { hostTreeOf } from "../boards/host-tree.js";
import { loadRegistry } from "../boards/loader.js";
import { matchReport } from "../boards/match.js";
import { readDtbFile } from "../fdt/file.js";
import type { Fdt } from "../fdt/tree.js";
import { hostFromDtb } from "../host/dt/offline.js";
import { readLiveHost, type VfioProbe } from "../host/live/discover.js";
import type { HostModel } from "../host/model.js";
import { currentRequester, policyFile, readPolicy } from "../policy/load.js";
import { type CommandIO, type ParsedArgs, stringOption } from "./command.js";
import { hostModelJson, hostModelText } from "./host-table.js";
import { writeJsonDocument } from "./json-stream.js";
import {
  deviceDecisionJson,
  type PolicyInForce,
  policyColumns,
  policyJson,
  policyLine,
} from "./policy-view.js";

/**
 * VFIO is asked only about devices bound to it, which most hosts have none of: its addon
 * loader and device code (a dozen modules) load at the first.
 */
const vfioProbe: VfioProbe = async (device) =>
  (await import("../host/live/vfioprobe.js")).vfioProbe(device);

async function offlineHost(file: string): Promise<{ model: HostModel; tree: Fdt }> {
  const tree = await readDtbFile(file);
  return { model: hostFromDtb(tree, file), tree };
}

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const file = policyFile(stringOption(args, "policy"));
  const policy: PolicyInForce = {
    file,
    loaded: await readPolicy(file),
    requester: currentRequester(),
  };
  const dtb = stringOption(args, "host-dtb");
  const { model, tree } = dtb ? await offlineHost(dtb) : await readLiveHost({ vfioProbe });
  // list matches devices to plugins and validates no options: their schemas (zod) stay unloaded.
  const registry = await loadRegistry([], process.cwd(), { optionSchemas: false });
  const hostTree = hostTreeOf(tree);
  const plugins = function* () {
    for (const d of model.devices) yield matchReport(registry, d, hostTree);
  };
  if (io.json) {
    const { fields, devices } = hostModelJson(model);
    // Each device's JSON is made fresh for this element: the decision goes onto it, last.
    const judged = function* () {
      let i = 0;
      for (const d of devices)
        yield Object.assign(d, { policy: deviceDecisionJson(policy, model.devices[i++]!) });
    };
    await writeJsonDocument(
      io.out,
      { ...fields, policy: policyJson(policy) },
      { devices: judged(), plugins: plugins() },
      io.drain,
    );
    return 0;
  }
  for (const line of hostModelText(model, policyColumns(policy))) io.out(line);
  io.out("");
  io.out(policyLine(policy));
  io.out("");
  io.out("board plugins:");
  for (const p of plugins()) {
    const taken = p.plugin ? `${p.plugin} (${p.qemuDevice})` : "none";
    io.out(`  ${p.device}: ${taken}${p.problems.length > 0 ? ` — ${p.problems.join("; ")}` : ""}`);
  }
  return 0;
}
