/**
 * Platform and AMBA device names exactly as Linux 6.1's of_device_make_bus_id
 * (drivers/of/platform.c) makes them: "<translated address in hex>.<node name>" for the
 * first node, walking up from the device, whose `reg` translates ("e0700000.xgmac"), with
 * a `mask` property adding ".<bit>"; every untranslatable node on the way prefixes its
 * full name ("firmware:optee", "soc:pinctrl@1:gpio").
 */
import type { FdtNode } from "../../fdt/tree.js";
import { propU32 } from "./dtprops.js";
import { firstRegAddress } from "./translate.js";

/** ffs(mask) - 1 printed as the kernel's "%x" of an int: 0 gives "ffffffff". */
function maskBit(mask: number): string {
  if (mask === 0) return "ffffffff";
  let bit = 0;
  while (((mask >>> bit) & 1) === 0) bit++;
  return bit.toString(16);
}

export function kernelDeviceName(node: FdtNode): string {
  // Untranslatable names from the device up, joined once: prefixing one at a time builds a
  // string of as many pieces as the node is deep (a 250-deep bus, 250 pieces per device).
  const untranslated: string[] = [];
  for (let n: FdtNode = node; n.parent; n = n.parent) {
    const address = n.hasProperty("reg") ? firstRegAddress(n) : undefined;
    if (address !== undefined) {
      const mask = propU32(n, "mask");
      const head =
        mask === undefined
          ? `${address.toString(16)}.${n.baseName}`
          : `${address.toString(16)}.${maskBit(mask)}.${n.baseName}`;
      return [head, ...untranslated.reverse()].join(":");
    }
    untranslated.push(n.name);
  }
  return untranslated.reverse().join(":");
}
