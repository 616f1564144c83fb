/**
 * The device's own MDIO PHY for its guest node. A MAC whose `phy-handle` names a PHY on the
 * MAC's own MDIO bus (a child `mdio` node, or the MAC node itself, as EtherAVB's is) keeps
 * that PHY in the guest: the MAC driver registers the bus from the guest node (Linux's
 * of_mdiobus_register) and the PHY's own compatible (`ethernet-phy-idXXXX.XXXX`,
 * `ethernet-phy-ieee802.3-c22`) binds a mainline PHY driver. What in the PHY's subtree points
 * at host nodes (its interrupt, reset GPIO, pin control, supplies) does not reach the guest,
 * each with a warning; the PHY then runs polled and out of the host's reset control.
 */
import { asString, asU32 } from "../fdt/values.js";
import type { GuestChild, GuestValue, HostDevice, HostNode, HostTree, PhandleRef } from "./api.js";

/** Properties of MDIO and PHY nodes that hold host phandles or describe one, with the reason. */
const HOST_ONLY: Record<string, string> = {
  phandle: "the guest gives the node a phandle of its own",
  "linux,phandle": "the guest gives the node a phandle of its own",
  status: "the guest node is always enabled",
  interrupts: "its interrupt is wired to a host interrupt controller; the guest polls the PHY",
  "interrupts-extended":
    "its interrupt is wired to a host interrupt controller; the guest polls the PHY",
  "interrupt-parent": "it names a host interrupt controller",
  "interrupt-names": "it names the dropped interrupts",
  resets: "resets are host reset controllers",
  "reset-names": "it names the dropped resets",
  "reset-assert-us": "it describes the dropped reset GPIO",
  "reset-deassert-us": "it describes the dropped reset GPIO",
  "reset-delay-us": "it describes the dropped reset GPIO",
  "reset-post-delay-us": "it describes the dropped reset GPIO",
  clocks: "clocks are host clock controllers",
  "clock-names": "it names the dropped clocks",
  "pinctrl-names": "pin control stays with the host",
  sfp: "the SFP cage is a host node",
  "pcs-handle": "the PCS is a host node",
  "nvmem-cells": "NVMEM cells live in host nodes",
  "nvmem-cell-names": "it names the dropped nvmem-cells",
};

function hostOnlyReason(name: string): string | undefined {
  if (/^pinctrl-\d+$/.test(name)) return "pin control stays with the host";
  if (/-supply$/.test(name)) return "regulators are host nodes";
  if (/(^|-)gpios?$/.test(name))
    return "GPIOs belong to host GPIO controllers; the host's reset line stays as the host left it";
  return HOST_ONLY[name];
}

function phandleOf(node: HostNode): number | undefined {
  const value = node.properties.get("phandle") ?? node.properties.get("linux,phandle");
  return value ? asU32(value) : undefined;
}

function contains(node: HostNode, inner: HostNode): boolean {
  return node.children.some((c) => c === inner || contains(c, inner));
}

function disabled(node: HostNode): boolean {
  const status = node.properties.get("status");
  return status !== undefined && !["okay", "ok"].includes(asString(status));
}

/** An MDIO bus node below a MAC: named `mdio`/`mdio@…`, or compatible with an `…mdio…`. */
function isMdioBus(node: HostNode): boolean {
  if (/^mdio(@|$)/.test(node.name)) return true;
  const compatible = node.properties.get("compatible");
  return compatible !== undefined && /mdio/.test(asString(compatible));
}

export interface OwnMdioPhy {
  /** The guest `phy-handle`: a reference to the PHY's guest copy. */
  phyHandle: PhandleRef;
  /** Child nodes for the MAC's guest node: the MDIO subtree, or the PHY node itself. */
  children: GuestChild[];
}

/**
 * The device's own MDIO PHY as guest children and the `phy-handle` reference to it;
 * `{ reason }` when its `phy-handle` names a PHY elsewhere; undefined without a `phy-handle`.
 */
export function ownMdioPhy(
  host: HostDevice,
  hostTree: HostTree,
  warn: (message: string) => void,
): OwnMdioPhy | { reason: string } | undefined {
  const handle = host.properties.get("phy-handle");
  if (!handle) return undefined;
  const phandle = asU32(handle);
  const phy = hostTree.nodeByPhandle(phandle);
  if (!phy) return { reason: `its PHY (phandle ${phandle}) is not in the host tree` };
  const mac = hostTree.nodeOf(host);
  const found = mac?.children.includes(phy)
    ? phy
    : mac?.children.find((c) => isMdioBus(c) && c.children.includes(phy));
  if (found) {
    const copied = subtreeCopy(found, `mdio-${host.name}`, warn);
    return { phyHandle: { ref: copied.labelOf(phandle) }, children: [copied.child] };
  }
  const between = mac?.children.find((c) => contains(c, phy));
  if (between) {
    return {
      reason: `its PHY ${phy.path} sits behind ${between.path}, which is no MDIO bus of the MAC's own (a multiplexer the host switches)`,
    };
  }
  return {
    reason: `its PHY ${phy.path} is not on the device's own MDIO bus, so the guest has no bus to reach it`,
  };
}

/**
 * A guest copy of a host subtree without its host references; a supply naming a node inside
 * the subtree (a PHY's own regulator, as AR803x PHYs have) points at that node's copy.
 * `labelOf` gives the label of the copy of the node with a host phandle (for `phy-handle`).
 */
function subtreeCopy(
  root: HostNode,
  prefix: string,
  warn: (message: string) => void,
): { child: GuestChild; labelOf(phandle: number): string } {
  const inside = new Set<number>();
  const collect = (node: HostNode): void => {
    const own = phandleOf(node);
    if (own !== undefined && !disabled(node)) inside.add(own);
    for (const c of node.children) collect(c);
  };
  collect(root);
  const labelOf = (phandle: number) => `${prefix}-${phandle}`;
  const copy = (node: HostNode): GuestChild => {
    const properties: Record<string, GuestValue> = {};
    for (const [name, value] of node.properties) {
      const target = /-supply$/.test(name) && value.length === 4 ? asU32(value) : undefined;
      if (target !== undefined && inside.has(target)) {
        properties[name] = { cells: [{ ref: labelOf(target) }] };
        continue;
      }
      const reason = hostOnlyReason(name);
      if (reason === undefined) properties[name] = value.slice();
      else if (name !== "phandle" && name !== "linux,phandle")
        warn(`dropped '${name}' of the PHY subtree's ${node.path}: ${reason}`);
    }
    const own = phandleOf(node);
    const children = node.children.filter((c) => !disabled(c)).map(copy);
    return {
      name: node.name,
      ...(own === undefined ? {} : { label: labelOf(own) }),
      properties,
      ...(children.length > 0 ? { children } : {}),
    };
  };
  return { child: copy(root), labelOf };
}
