/**
 * The guest tree being written for one plan: QEMU's base DTB, its platform-bus node, the
 * phandle counter and the fixed-clock copies shared by every device's build.
 */
import { InputError } from "../errors.js";
import { allocatePhandle, findCompatible } from "../fdt/lookup.js";
import type { Fdt, FdtNode } from "../fdt/tree.js";
import { PLATFORM_BUS_COMPATIBLE } from "../machvirt/layout.js";

export class GuestTree {
  readonly fdt: Fdt;
  /** The node QEMU names platform-bus@c000000, found by its compatible. */
  readonly bus: FdtNode;
  /** Host clock phandle → phandle of its guest copy. */
  readonly clockCopies = new Map<number, number>();
  #nextPhandle: number;

  constructor(fdt: Fdt) {
    const bus = findCompatible(fdt, PLATFORM_BUS_COMPATIBLE)[0];
    if (!bus) {
      throw new InputError(
        "PLAN_NO_PLATFORM_BUS",
        `the base device tree has no '${PLATFORM_BUS_COMPATIBLE}' node`,
        {
          hint: "The base DTB must be QEMU's own dump of the virt machine (-machine virt,dumpdtb=FILE); QEMU 7.2 and later write the platform-bus node there.",
        },
      );
    }
    this.fdt = fdt;
    this.bus = bus;
    this.#nextPhandle = allocatePhandle(fdt);
  }

  /** The next phandle, counting up from the base tree's largest as QEMU's allocator does. */
  allocatePhandle(): number {
    const ph = this.#nextPhandle;
    this.#nextPhandle += 1;
    return ph;
  }

  /** A root child name not yet used: `name`, else `name-1`, `name-2`, … */
  freeRootName(name: string): string {
    if (!this.fdt.root.child(name)) return name;
    const at = name.indexOf("@");
    const [base, unit] = at < 0 ? [name, ""] : [name.slice(0, at), name.slice(at)];
    for (let i = 1; ; i++) {
      const candidate = `${base}-${i}${unit}`;
      if (!this.fdt.root.child(candidate)) return candidate;
    }
  }
}
