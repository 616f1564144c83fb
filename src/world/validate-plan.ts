/**
 * `plan --validate` and `dtb --validate`: each guest node a plan assigned, checked by
 * dt-validate against Linux's bindings (src/env/bindings.ts), every error marked inherited
 * (the host node breaks the same rule) or introduced by the plan.
 *
 * Only what the nodes need goes to dt-validate: a small tree of the guest nodes (and their
 * ancestors and phandle providers), one of the host nodes likewise, and the schemas their
 * compatibles select plus those selecting every node (schemaSubset). In each small tree only
 * the nodes asked about and what is below them are checked (checkOnly marks the rest), since
 * dt-validate's time goes per node it checks. validatePlans does the same for many plans (a
 * corpus, say), in dt-validate runs side by side once they hold enough nodes (validate-runs.ts;
 * a plan of a few devices is one run): per run one subset, one excerpt per host tree, and each
 * distinct small tree checked once. A guest node the plugin added besides the device's own (a
 * copied fixed clock, say) is compared with no host node: its errors count as introduced.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
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
  checkOnly,
  type NodeFindings,
  placeRecords,
  runDtValidate,
  type SchemaError,
} from "../fdt/validate.js";
import { asStrings } from "../fdt/values.js";
import { writeDtb } from "../fdt/write.js";
import type { Plan } from "../plan/types.js";
import { type RunItem, splitRuns } from "./validate-runs.js";

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

/** dt-validate's two ways of listing properties a schema does not allow, and the rule of each. */
const UNEXPECTED = [
  /^(?<rule>Unevaluated|Additional) properties are not allowed \((?<names>.*) (?:was|were) unexpected\)$/,
  /^(?<names>'.*') (?:does|do) not match any of the regexes: (?<rule>.*)$/,
];

/** The properties an "… not allowed ('a', 'b' were unexpected)" or "… do not match" error lists. */
function unexpected(error: SchemaError): { kind: string; names: string[] } | undefined {
  for (const re of UNEXPECTED) {
    const m = re.exec(error.message)?.groups;
    if (m) return { kind: m.rule!, names: [...m.names!.matchAll(/'([^']+)'/g)].map((n) => n[1]!) };
  }
  return undefined;
}

/**
 * Whether the host node breaks the same "not allowed" rule of the same schema for every
 * property the guest's error lists: the host's list is longer (it has the properties the plan
 * left out), the rule and the offending properties are the host's.
 */
function unexpectedOnHostToo(error: SchemaError, hostErrors: readonly SchemaError[]): boolean {
  const guest = unexpected(error);
  if (!guest) return false;
  const listed = new Set(
    hostErrors.flatMap((h) => {
      const host = h.schema === error.schema ? unexpected(h) : undefined;
      return host?.kind === guest.kind ? host.names : [];
    }),
  );
  return guest.names.every((n) => listed.has(n));
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

/** One plan to validate: its guest tree and the host tree its devices came from. */
export interface PlanToValidate {
  plan: Pick<Plan, "devices">;
  guest: Fdt;
  host: Fdt;
}

interface Target {
  device: string;
  node: FdtNode;
  hostNode: FdtNode | undefined;
}

/** Every guest node a plan wrote, each device's first one paired with its host node. */
function targetsOf({ plan, guest, host }: PlanToValidate): Target[] {
  return plan.devices.flatMap((d) =>
    d.guestNodes.flatMap((path, i) => {
      const node = findNode(guest, path);
      const hostNode = i === 0 ? findNode(host, d.hostPath) : undefined;
      return node ? [{ device: d.host, node, hostNode }] : [];
    }),
  );
}

/** A small tree to hand dt-validate, written once however many plans share its bytes. */
interface Excerpt {
  /** The paths of the nodes dt-validate checks (the others marked, see checkOnly), in order. */
  order: string[];
  file: string;
}

/**
 * Writes the small trees (one per plan's guest, one per host tree, identical ones once),
 * runs dt-validate once over all of them, and places its records on their nodes.
 */
async function validateExcerpts(
  bindings: Bindings,
  items: readonly PlanToValidate[],
  targets: readonly Target[][],
  dir: string,
): Promise<{ guest: Map<string, NodeFindings>[]; host: Map<string, NodeFindings>[] }> {
  const isPhandle = phandlePropertyTest(bindings.index);
  const byBytes = new Map<string, Excerpt>();
  const bytesOf = new Map<Excerpt, Uint8Array>();
  /** The excerpt of `nodes` out of `from`, only they and what is below them checked. */
  const written = (from: Fdt, nodes: readonly FdtNode[]): Excerpt => {
    const tree = excerpt(from, nodes, isPhandle);
    const order = checkOnly(
      tree,
      nodes.map((n) => n.path),
    );
    const bytes = writeDtb(tree);
    const key = createHash("sha256").update(bytes).digest("hex");
    const known = byBytes.get(key);
    if (known) return known;
    const made = { order, file: join(dir, `${byBytes.size}.dtb`) };
    byBytes.set(key, made);
    bytesOf.set(made, bytes);
    return made;
  };
  const guests = items.map((item, i) =>
    written(
      item.guest,
      targets[i]!.map((t) => t.node),
    ),
  );
  // Plans over one host tree share one excerpt of it, holding all their host nodes.
  const hostNodes = new Map<Fdt, Set<FdtNode>>();
  items.forEach((item, i) => {
    const nodes = hostNodes.get(item.host) ?? hostNodes.set(item.host, new Set()).get(item.host)!;
    for (const t of targets[i]!) if (t.hostNode) nodes.add(t.hostNode);
  });
  const hostExcerpts = new Map(
    [...hostNodes].map(([host, nodes]) => [host, written(host, [...nodes])]),
  );
  const compatibles = new Set<string>();
  for (const nodes of [...targets.map((ts) => ts.map((t) => t.node)), ...hostNodes.values()])
    for (const n of nodes)
      for (const d of walk(n)) for (const c of compatiblesOf(d)) compatibles.add(c);
  const schema = await subsetFile(bindings, schemaSubset(bindings.index, [...compatibles]));
  await Promise.all([...bytesOf].map(([e, bytes]) => writeFile(e.file, bytes)));
  const report = await runDtValidate(
    schema,
    [...byBytes.values()].map((e) => e.file),
  );
  const placed = new Map<Excerpt, Map<string, NodeFindings>>();
  const place = (e: Excerpt) =>
    placed.get(e) ?? placed.set(e, placeRecords(e.order, report.records.get(e.file) ?? [])).get(e)!;
  return {
    guest: guests.map(place),
    host: items.map((item) => place(hostExcerpts.get(item.host)!)),
  };
}

/** One plan's nodes with what dt-validate found on them and on their host nodes. */
function nodeValidations(
  bindings: Bindings,
  targets: readonly Target[],
  guest: Map<string, NodeFindings>,
  host: Map<string, NodeFindings>,
  hostOwn: ReadonlySet<string>,
): NodeValidation[] {
  const own = new Set(targets.map((t) => t.node.path));
  return targets.map(({ device, node, hostNode }): NodeValidation => {
    const found = findingsBelow(node, guest, own);
    const hostErrors = hostNode ? findingsBelow(hostNode, host, hostOwn).errors : [];
    const hostRules = new Set(hostErrors.map((e) => ruleKey(e, hostNode!.name)));
    const inherited = (e: SchemaError) =>
      hostRules.has(ruleKey(e, node.name)) || unexpectedOnHostToo(e, hostErrors);
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
        origin: inherited(e) ? "inherited" : "introduced",
      })),
    };
  });
}

export interface PlansValidation {
  bindings: { source: string; schema: string };
  /** Per plan given, in order, its nodes as validatePlan reports them. */
  plans: NodeValidation[][];
  /** How long the whole batch took, milliseconds. */
  ms: number;
}

/** What splitRuns reads of a plan: its devices' compatibles and the nodes checked for it. */
function runItemOf(targets: readonly Target[]): RunItem {
  const size = (n: FdtNode | undefined) => (n ? [...walk(n)].length : 0);
  return {
    kind: targets.map((t) => compatiblesOf(t.hostNode ?? t.node).join(" ")).join("\n"),
    nodes: targets.reduce((sum, t) => sum + size(t.node) + size(t.hostNode), 0),
  };
}

/**
 * Validates many plans: what validatePlan does for each, in as many dt-validate runs side by
 * side as there are cores (splitRuns: plans of one kind together, about as many nodes each),
 * each run with one schema subset for its plans' compatibles and each of its distinct small
 * trees checked once. A node's findings do not depend on the run it is in.
 */
export async function validatePlans(
  items: readonly PlanToValidate[],
  options: BindingsOptions = {},
): Promise<PlansValidation> {
  const started = performance.now();
  const bindings = await loadBindings(options);
  const targets = items.map(targetsOf);
  const runs = splitRuns(targets.map(runItemOf), availableParallelism());
  const dir = await mkdtemp(join(tmpdir(), "platpass-validate-"));
  try {
    const guest: Map<string, NodeFindings>[] = [];
    const host: Map<string, NodeFindings>[] = [];
    await Promise.all(
      runs.map(async (run, r) => {
        const runDir = join(dir, String(r));
        await mkdir(runDir);
        const placed = await validateExcerpts(
          bindings,
          run.map((i) => items[i]!),
          run.map((i) => targets[i]!),
          runDir,
        );
        run.forEach((i, j) => {
          guest[i] = placed.guest[j]!;
          host[i] = placed.host[j]!;
        });
      }),
    );
    const hostOwn = new Map<Fdt, Set<string>>();
    items.forEach((item, i) => {
      const paths = hostOwn.get(item.host) ?? hostOwn.set(item.host, new Set()).get(item.host)!;
      for (const t of targets[i]!) if (t.hostNode) paths.add(t.hostNode.path);
    });
    return {
      bindings: { source: bindings.source, schema: bindings.schema },
      plans: items.map((item, i) =>
        nodeValidations(bindings, targets[i]!, guest[i]!, host[i]!, hostOwn.get(item.host)!),
      ),
      ms: Math.round(performance.now() - started),
    };
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
  const { bindings, plans, ms } = await validatePlans([{ plan, guest, host }], options);
  return { bindings, nodes: plans[0]!, ms };
}
