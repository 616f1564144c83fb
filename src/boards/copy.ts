/**
 * The shared copy helpers: host properties copied verbatim by list (QEMU's
 * copy_properties_from_host), for a plugin's `copy` list and for fixed-clock copies, and the
 * one test for fixed host clocks (QEMU's fdt_build_clock_node), which plugins reach through
 * their contexts.
 */
import { InputError } from "../errors.js";
import { asStrings } from "../fdt/values.js";
import type { CopiedProperty, HostNode } from "./api.js";

/** What QEMU copies from a host clock node into its guest copy, in its order. */
export const FIXED_CLOCK_PROPERTIES: readonly CopiedProperty[] = [
  { name: "compatible", optional: false },
  { name: "#clock-cells", optional: false },
  { name: "clock-frequency", optional: true },
  { name: "clock-output-names", optional: true },
];

/** The mandatory entries of `list` that `from` lacks. */
export function missingProperties(
  from: ReadonlyMap<string, Uint8Array>,
  list: readonly CopiedProperty[],
): string[] {
  return list.filter((c) => !c.optional && !from.has(c.name)).map((c) => c.name);
}

/** The listed properties that exist, in list order; every missing mandatory one is an error. */
export function copyProperties(
  from: ReadonlyMap<string, Uint8Array>,
  list: readonly CopiedProperty[],
  where: string,
): Record<string, Uint8Array> {
  const missing = missingProperties(from, list);
  if (missing.length > 0) {
    throw new InputError(
      "BOARD_MISSING_PROPERTY",
      `the host node lacks mandatory propert${missing.length === 1 ? "y" : "ies"} ${missing.map((m) => `'${m}'`).join(", ")}`,
      {
        where,
        hint: "The host device tree must describe the device fully; check the board's DTB.",
      },
    );
  }
  const out: Record<string, Uint8Array> = {};
  for (const { name } of list) {
    const value = from.get(name);
    if (value !== undefined) out[name] = value.slice();
  }
  return out;
}

/** QEMU's test: the first compatible string is "fixed-clock". */
export function isFixedClockNode(node: HostNode | undefined): boolean {
  const compatible = node?.properties.get("compatible");
  if (!compatible || compatible.length === 0 || compatible[compatible.length - 1] !== 0)
    return false;
  return asStrings(compatible)[0] === "fixed-clock";
}
