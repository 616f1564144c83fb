import { InputError } from "../errors.js";
import {
  describeNode,
  describeValue,
  findNode,
  formatValue,
  readDtbFile,
  valueText,
} from "../fdt/index.js";
import type { Command } from "./command.js";

export const dtGetCommand: Command = {
  name: "dt get",
  summary: "print one node or property of a DTB (like fdtget)",
  usage: "FILE.dtb NODE-PATH [PROPERTY] [--json]",
  help: "NODE-PATH is an absolute path (/soc/serial@9000000; the unit address may be left out\nwhen it is unambiguous), or an alias or label (serial0, or serial0/child).\nWith PROPERTY, prints its value: strings as text, cells in hex, other values as bytes.\nWithout, prints the node's properties and the names of its children.",
  json: true,
  positionals: [2, 3],
  async run(args, io) {
    const [file, path, propName] = args.positionals as [string, string, string?];
    const fdt = await readDtbFile(file);
    const node = findNode(fdt, path);
    if (!node) {
      throw new InputError("DT_NODE_NOT_FOUND", `no node "${path}"`, {
        where: file,
        hint: "Use an absolute path (/soc/...), an alias from /aliases, or a label from /__symbols__; 'platpass dt dts FILE' shows the tree.",
      });
    }
    if (propName === undefined) {
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
    const value = node.property(propName);
    if (!value) {
      throw new InputError(
        "DT_PROPERTY_NOT_FOUND",
        `node ${node.path} has no property "${propName}"`,
        {
          where: file,
          hint: `Run 'platpass dt get ${file} ${node.path}' to list its properties.`,
        },
      );
    }
    const described = describeValue(value);
    if (io.json) {
      io.out(JSON.stringify({ path: node.path, property: propName, ...described }, null, 2));
      return 0;
    }
    io.out(valueText(described));
    return 0;
  },
};
