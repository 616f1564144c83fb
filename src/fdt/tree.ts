import { FdtError } from "./errors.js";

/** Node names as the Devicetree Specification (2.2.1) allows them: name[@unit-address]. */
const NODE_NAME = /^[A-Za-z0-9,._+-]+(@[A-Za-z0-9,._+-]+)?$/;
/** Property names as the Devicetree Specification (2.2.4) allows them. */
const PROPERTY_NAME = /^[A-Za-z0-9,._+?#-]+$/;

export interface Reservation {
  address: bigint;
  size: bigint;
}

const NO_CHILDREN: ReadonlyMap<string, FdtNode> = new Map();

/**
 * Bumped by every change to any tree, so an index built over a tree (phandles, decoded
 * `ranges`) can tell it is stale without the tree knowing about its indexes.
 */
let generation = 0;

/**
 * `compute` cached per node until any tree changes: a host tree, which is only read, computes
 * each once; a tree being edited recomputes after each edit, as an unindexed walk would.
 */
export function perNode<T>(compute: (node: FdtNode) => T): (node: FdtNode) => T {
  let cache = new WeakMap<FdtNode, T>();
  let cachedAt = generation;
  return (node) => {
    if (cachedAt !== generation) {
      cache = new WeakMap();
      cachedAt = generation;
    }
    if (cache.has(node)) return cache.get(node) as T;
    const value = compute(node);
    cache.set(node, value);
    return value;
  };
}

/**
 * One node: ordered properties (name → raw big-endian bytes) and ordered children.
 * Names are checked when written through the public methods; the reader, which accepts what
 * dtc's own source syntax accepts, uses `attachChild` / `attachProperty` after its own checks.
 */
export class FdtNode {
  /** Full name with unit address ("uart@9000000"); "" for the root. */
  readonly name: string;
  #parent: FdtNode | undefined;
  readonly #properties = new Map<string, Uint8Array>();
  /** Made on the first child: most nodes are leaves, and a Map per leaf is most of a read. */
  #children: Map<string, FdtNode> | undefined;

  constructor(name: string, parent?: FdtNode) {
    this.name = name;
    this.#parent = parent;
  }

  get parent(): FdtNode | undefined {
    return this.#parent;
  }

  /** Properties in blob order; a replaced value keeps its place. */
  get properties(): ReadonlyMap<string, Uint8Array> {
    return this.#properties;
  }

  get children(): FdtNode[] {
    return this.#children ? [...this.#children.values()] : [];
  }

  /** The children in order, without copying them into an array. */
  childNodes(): IterableIterator<FdtNode> {
    return (this.#children ?? NO_CHILDREN).values();
  }

  /** The node name without its unit address. */
  get baseName(): string {
    const at = this.name.indexOf("@");
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  /** The unit address after '@', or undefined. */
  get unitAddress(): string | undefined {
    const at = this.name.indexOf("@");
    return at < 0 ? undefined : this.name.slice(at + 1);
  }

  get path(): string {
    const names: string[] = [];
    for (let n: FdtNode | undefined = this; n?.parent; n = n.parent) names.push(n.name);
    return `/${names.reverse().join("/")}`;
  }

  child(name: string): FdtNode | undefined {
    return this.#children?.get(name);
  }

  property(name: string): Uint8Array | undefined {
    return this.#properties.get(name);
  }

  hasProperty(name: string): boolean {
    return this.#properties.has(name);
  }

  setProperty(name: string, value: Uint8Array): this {
    if (!PROPERTY_NAME.test(name)) {
      throw new FdtError("FDT_BAD_NAME", `invalid property name "${name}"`, {
        where: this.path,
        hint: "Property names use only letters, digits and , . _ + ? # -",
      });
    }
    generation++;
    this.#properties.set(name, value);
    return this;
  }

  deleteProperty(name: string): boolean {
    generation++;
    return this.#properties.delete(name);
  }

  /** Adds an empty child; its name must be a valid node name not already used here. */
  addChild(name: string): FdtNode {
    if (!NODE_NAME.test(name)) {
      throw new FdtError("FDT_BAD_NAME", `invalid node name "${name}"`, {
        where: this.path,
        hint: "Node names are name[@unit-address] using letters, digits and , . _ + -",
      });
    }
    if (this.#children?.has(name)) {
      throw new FdtError("FDT_DUPLICATE_NAME", `node "${name}" already exists`, {
        where: this.path,
      });
    }
    return this.attachChild(name);
  }

  removeChild(name: string): boolean {
    const c = this.#children?.get(name);
    if (!c) return false;
    generation++;
    c.#parent = undefined;
    return this.#children!.delete(name);
  }

  /** For the reader: adds a child whose name (and uniqueness) the caller has already checked. */
  attachChild(name: string): FdtNode {
    generation++;
    const c = new FdtNode(name, this);
    this.#children ??= new Map();
    this.#children.set(name, c);
    return c;
  }

  /**
   * For the reader: adds a property whose name the caller has already checked; false when
   * the name is taken (the caller then rejects the whole tree).
   */
  attachProperty(name: string, value: Uint8Array): boolean {
    generation++;
    const before = this.#properties.size;
    this.#properties.set(name, value);
    return this.#properties.size !== before;
  }
}

/** A whole flattened device tree: the node tree plus the header's non-structural data. */
export class Fdt {
  root: FdtNode;
  reservations: Reservation[];
  bootCpuid: number;

  constructor(root: FdtNode = new FdtNode(""), reservations: Reservation[] = [], bootCpuid = 0) {
    this.root = root;
    this.reservations = reservations;
    this.bootCpuid = bootCpuid;
  }
}

/** Every node, parents before children, in blob order; iterative so depth cannot overflow. */
export function* walk(root: FdtNode): Generator<FdtNode> {
  const stack: FdtNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    const first = stack.length;
    for (const c of n.childNodes()) stack.push(c);
    reverseFrom(stack, first);
  }
}

/** Reverses stack[from..] in place, so the first child is popped first. */
function reverseFrom(stack: FdtNode[], from: number): void {
  for (let i = from, j = stack.length - 1; i < j; i++, j--) {
    const t = stack[i]!;
    stack[i] = stack[j]!;
    stack[j] = t;
  }
}

/**
 * Depth-first visit calling `enter` before a node's children and `leave` after them, with an
 * explicit stack so depth cannot overflow the call stack.
 */
export function visit(root: FdtNode, enter: (n: FdtNode) => void, leave: (n: FdtNode) => void) {
  enter(root);
  const stack: [FdtNode, IterableIterator<FdtNode>][] = [[root, root.childNodes()]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const next = top[1].next();
    if (next.done) {
      stack.pop();
      leave(top[0]);
    } else {
      enter(next.value);
      stack.push([next.value, next.value.childNodes()]);
    }
  }
}

/** A deep copy, so a cached base tree can be assembled onto many times. */
export function cloneFdt(fdt: Fdt): Fdt {
  const copy = new Fdt(
    undefined,
    fdt.reservations.map((r) => ({ ...r })),
    fdt.bootCpuid,
  );
  const stack: [FdtNode, FdtNode][] = [[fdt.root, copy.root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop() as [FdtNode, FdtNode];
    for (const [name, value] of from.properties) to.attachProperty(name, value.slice());
    for (const c of from.children) {
      // Names are unique among siblings of the source, so attaching never collides.
      const child = to.attachChild(c.name);
      if (child) stack.push([c, child]);
    }
  }
  return copy;
}
