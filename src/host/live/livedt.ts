/**
 * The running kernel's device tree, read from /sys/firmware/devicetree/base into the same
 * node model a DTB gives, so live and offline hosts share one translator and one decoder.
 */
import { Fdt, FdtNode } from "../../fdt/tree.js";
import type { Sysfs } from "./sysfs.js";

export const LIVE_DT = "/sys/firmware/devicetree/base";

/**
 * Every directory is a node, every file a property, except the legacy `name` pseudo-property
 * the kernel adds to each node: it is not in any DTB, so it is left out.
 */
const isProperty = (file: string) => file !== "name";

async function readNode(sysfs: Sysfs, dir: string, node: FdtNode): Promise<void> {
  for (const e of await sysfs.entries(dir)) {
    const p = `${dir}/${e.name}`;
    // Directory names are unique, so the child is always new.
    if (e.directory) await readNode(sysfs, p, node.attachChild(e.name)!);
    else if (isProperty(e.name))
      node.attachProperty(e.name, (await sysfs.readBytes(p)) ?? new Uint8Array());
  }
}

/** A tree of directories as the native addon's readTree gives it, each list sorted by name. */
export interface DtDirectory {
  props: [string, Uint8Array][];
  children: [string, DtDirectory][];
}

export type TreeReader = (path: string) => DtDirectory;

function fromDirectory(dir: DtDirectory, node: FdtNode): void {
  for (const [name, bytes] of dir.props) if (isProperty(name)) node.attachProperty(name, bytes);
  for (const [name, child] of dir.children) fromDirectory(child, node.attachChild(name)!);
}

/**
 * The live device tree, or undefined on a host booted without one (ACPI). `readTree` (the
 * native addon's, where it is loaded) reads the same files in one call; without it each is
 * read through Sysfs.
 */
export async function readLiveDt(sysfs: Sysfs, readTree?: TreeReader): Promise<Fdt | undefined> {
  if (!(await sysfs.exists(LIVE_DT))) return undefined;
  const root = new FdtNode("");
  if (readTree) fromDirectory(readTree(sysfs.path(LIVE_DT)), root);
  else await readNode(sysfs, LIVE_DT, root);
  return new Fdt(root);
}

/** "/sys/firmware/devicetree/base/a/b" (an of_node link target) → "/a/b". */
export function dtPathOf(ofNodeTarget: string): string | undefined {
  if (!ofNodeTarget.startsWith(LIVE_DT)) return undefined;
  return ofNodeTarget.slice(LIVE_DT.length) || "/";
}
