/**
 * `plan --validate` and `dtb --validate`: each guest node a plan assigned, checked by
 * dt-validate against Linux's bindings (src/env/bindings.ts), every error marked inherited
 * (the host node breaks the same rule) or introduced by the plan.
 *
 * Only what the nodes need goes to dt-validate: a small tree of the guest nodes (and their
 * ancestors and phandle providers), one of the host nodes likewise, and the schemas their
 * compatibles select plus those selecting every node (schemaSubset). Both trees go in one
 * run. A guest node the plugin added besides the device's own (a copied fixed clock, say) is
 * compared with no host node: its errors count as introduced.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bindings, type BindingsOptions, loadBindings, subsetFile } from "../env/bindings.js";
import { excerpt } from "../fdt/excerpt.js";
import { readDtbFile } from "../fdt/file.js";
import { findNode } from "../fdt/lookup.js";
import {
  phandlePropertyTest,
  schemaName,
  schemaSubset,
  schemasForCompatibles,
} from "../fdt/schema-index.js";
import { type Fdt, type FdtNode, walk } from "../fdt/tree.js";
import {
  type NodeFindings,
  placeRecords,
  runDtValidate,
  type SchemaError,
} from "../fdt/validate.js";
import { asStrings } from "../fdt/values.js";
import { writeDtb } from "../fdt/write.js";
import type { Plan } from "../plan/types.js";

/** Where a live host's kernel shows the DTB it booted with. */
export const LIVE_HOST_DTB = "/sys/firmware/fdt";

export interface BindingFinding extends SchemaError {
  /** inherited: the host node breaks the same rule; introduced: the plan's node alone does. */
  origin: "inherited" | "introduced";
}

export interface NodeValidation {
  /** The host device the node was planned for. */
  device: string;
  /** The guest node's path. */
  node: string;
  /** The host node it was compared with (the device's own node only). */
  hostNode?: string;
  /** The bindings its compatible selected (dt-validate's own report of them). */
  schemas: string[];
  /** No binding selects its compatible: only the rules every node gets checked it. */
  noBinding: boolean;
  errors: BindingFinding[];
}

export interface PlanValidation {
  /** What the bindings were processed from, and the processed schema. */
  bindings: { source: string; schema: string };
  nodes: NodeValidation[];
  /** How long the validation took, milliseconds (a first processing of the bindings included). */
  ms: number;
}

/** The host tree validation compares with: the --host-dtb, else the live host's. */
export function readHostTree(hostDtb: string | undefined): Promise<Fdt> {
  return readDtbFile(hostDtb ?? LIVE_HOST_DTB);
}

const compatiblesOf = (node: FdtNode): string[] => {
  const v = node.property("compatible");
  return v && v.length > 0 && v[v.length - 1] === 0 ? asStrings(v) : [];
};

/**
 * A rule as it reads on any node: the schema and the message with the node's own name (as
 * dt-validate quotes it), numbers and bracketed values blanked, so the host's `ethernet@fe300000: interrupts:
 * [[0, 44, 4]] is too short` and the guest's `ethernet@0: interrupts: [[0, 112, 4]] is too
 * short` are the same rule.
 */
export function ruleKey(error: SchemaError, nodeName: string): string {
  let text = error.message.replaceAll(`'${nodeName}'`, "<node>");
  for (let before = ""; before !== text; ) {
    before = text;
    text = text.replace(/\[[^[\]]*\]/g, "…");
  }
  return `${error.schema}\n${text.replace(/\b(0x[0-9a-f]+|\d+)\b/gi, "#")}`;
}

/** A node's findings with those of the nodes below it that are not validated on their own. */
function findingsBelow(
  node: FdtNode,
  placed: Map<string, NodeFindings>,
  own: ReadonlySet<string>,
): NodeFindings {
  const out: NodeFindings = { errors: [], schemas: [] };
  for (const n of walk(node)) {
    if (n !== node && own.has(n.path)) continue;
    const f = placed.get(n.path);
    if (!f) continue;
    const prefix = n === node ? "" : `${n.path.slice(node.path.length + 1)}: `;
    out.errors.push(...f.errors.map((e) => ({ ...e, message: `${prefix}${e.message}` })));
    if (n === node) out.schemas.push(...f.schemas);
  }
  return out;
}

/** Writes the two small trees, runs dt-validate once, places its records on their nodes. */
async function validateTrees(
  bindings: Bindings,
  guest: Fdt,
  guestNodes: FdtNode[],
  host: Fdt,
  hostNodes: FdtNode[],
): Promise<{ guest: Map<string, NodeFindings>; host: Map<string, NodeFindings> }> {
  const compatibles = [...guestNodes, ...hostNodes].flatMap((n) =>
    [...walk(n)].flatMap(compatiblesOf),
  );
  const schema = await subsetFile(bindings, schemaSubset(bindings.index, compatibles));
  const isPhandle = phandlePropertyTest(bindings.index);
  const trees = [excerpt(guest, guestNodes, isPhandle), excerpt(host, hostNodes, isPhandle)];
  const dir = await mkdtemp(join(tmpdir(), "platpass-validate-"));
  try {
    const files = [join(dir, "guest.dtb"), join(dir, "host.dtb")];
    await Promise.all(trees.map((t, i) => writeFile(files[i]!, writeDtb(t))));
    const report = await runDtValidate(schema, files);
    const [g, h] = trees.map((t, i) =>
      placeRecords(
        [...walk(t.root)].map((n) => n.path),
        report.records.get(files[i]!) ?? [],
      ),
    );
    return { guest: g!, host: h! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Validates the plan's guest nodes in `guest` (the tree `platpass dtb` writes) against the
 * bindings, comparing each device's node with its host node in `host`.
 */
export async function validatePlan(
  plan: Pick<Plan, "devices">,
  guest: Fdt,
  host: Fdt,
  options: BindingsOptions = {},
): Promise<PlanValidation> {
  const started = performance.now();
  const bindings = await loadBindings(options);
  const targets = plan.devices.flatMap((d) =>
    d.guestNodes.flatMap((path, i) => {
      const node = findNode(guest, path);
      const hostNode = i === 0 ? findNode(host, d.hostPath) : undefined;
      return node ? [{ device: d.host, node, hostNode }] : [];
    }),
  );
  const hostNodes = targets.flatMap((t) => (t.hostNode ? [t.hostNode] : []));
  const placed = await validateTrees(
    bindings,
    guest,
    targets.map((t) => t.node),
    host,
    hostNodes,
  );
  const own = new Set(targets.map((t) => t.node.path));
  const hostOwn = new Set(hostNodes.map((n) => n.path));
  const nodes = targets.map(({ device, node, hostNode }): NodeValidation => {
    const found = findingsBelow(node, placed.guest, own);
    const hostRules = new Set(
      hostNode
        ? findingsBelow(hostNode, placed.host, hostOwn).errors.map((e) => ruleKey(e, hostNode.name))
        : [],
    );
    const bound = new Set(
      schemasForCompatibles(bindings.index, compatiblesOf(node)).map(schemaName),
    );
    return {
      device,
      node: node.path,
      ...(hostNode ? { hostNode: hostNode.path } : {}),
      schemas: found.schemas.filter((s) => bound.has(s)),
      noBinding: bound.size === 0,
      errors: found.errors.map((e) => ({
        ...e,
        origin: hostRules.has(ruleKey(e, node.name)) ? "inherited" : "introduced",
      })),
    };
  });
  return {
    bindings: { source: bindings.source, schema: bindings.schema },
    nodes,
    ms: Math.round(performance.now() - started),
  };
}
