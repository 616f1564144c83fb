import { describeNode, describeValue, valueText } from "../fdt/describe.js";
import { formatValue } from "../fdt/dts.js";
import type { CommandIO, ParsedArgs } from "./command.js";
import { dtArguments } from "./dt-args.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const { node, property } = await dtArguments(args);
  if (property === undefined) {
    const described = describeNode(node);
    if (io.json) {
      io.out(JSON.stringify(described, null, 2));
      return 0;
    }
    for (const [name, v] of node.properties) {
      io.out(v.length === 0 ? `${name};` : `${name} = ${formatValue(v)};`);
    }
    for (const child of described.children) io.out(`${child}/`);
    return 0;
  }
  const described = describeValue(property.value);
  if (io.json) {
    io.out(JSON.stringify({ path: node.path, property: property.name, ...described }, null, 2));
    return 0;
  }
  io.out(valueText(described));
  return 0;
}
