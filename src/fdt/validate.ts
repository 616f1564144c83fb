/**
 * Adapter over dt-schema's dt-validate (Debian's dt-schema): runs it on DTB files against a
 * processed schema, turns its report into records, and places each record on the node it is
 * about. dt-validate names a node only by its name ("ethernet@0"), checks nodes parents
 * first in blob order and, with -M, ends each node's errors with a "matched on schema(s)"
 * record giving the full path; placing walks the tree in the same order.
 */
import { execa } from "execa";
import { EnvironmentError } from "../errors.js";
import { schemaName } from "./schema-index.js";
import { type Fdt, walk } from "./tree.js";

/** One rule a node breaks, as dt-validate says it. */
export interface SchemaError {
  /** The schema holding the rule, by its short name ("net/calxeda-xgmac.yaml"). */
  schema: string;
  /** dt-validate's message, property path first ("interrupts: [[0, 112, 4]] is too short"). */
  message: string;
}

export type ValidateRecord =
  | ({ kind: "error"; node: string } & SchemaError)
  | { kind: "matched"; path: string; schemas: string[] };

export interface ValidateReport {
  /** Per DTB file given, its records in the order dt-validate wrote them. */
  records: Map<string, ValidateRecord[]>;
  /** Lines that belong to no record (a recursion error in a schema, a Python warning). */
  other: string[];
}

const MATCHED = "matched on schema(s)";
const FROM_SCHEMA = "From schema: ";

/** The file a record line starts with ("FILE: node: message"), looked up, not searched for. */
function fileOf(line: string, files: ReadonlyMap<string, unknown>): string | undefined {
  for (let at = line.indexOf(": "); at >= 0; at = line.indexOf(": ", at + 1)) {
    const file = line.slice(0, at);
    if (files.has(file)) return file;
  }
  return undefined;
}

/** Parses dt-validate's stderr for `files` (absolute paths, as given to it). */
export function parseValidateOutput(stderr: string, files: readonly string[]): ValidateReport {
  const records = new Map<string, ValidateRecord[]>(files.map((f) => [f, []]));
  const other: string[] = [];
  let open: { file: string; head: string; body: string[] } | undefined;
  const close = () => {
    if (!open) return;
    records.get(open.file)!.push(recordOf(open.head, open.body));
    open = undefined;
  };
  for (const line of stderr.split("\n")) {
    const file = fileOf(line, records);
    if (file !== undefined) {
      close();
      open = { file, head: line.slice(file.length + 2), body: [] };
    } else if (open && line.startsWith("\t")) {
      open.body.push(line.slice(1));
    } else if (line.trim() !== "") {
      close();
      other.push(line);
    }
  }
  close();
  return { records, other };
}

function recordOf(head: string, body: string[]): ValidateRecord {
  const colon = head.indexOf(": ");
  const node = colon < 0 ? head : head.slice(0, colon);
  const rest = colon < 0 ? "" : head.slice(colon + 2);
  if (rest === MATCHED) return { kind: "matched", path: node, schemas: body.map(schemaName) };
  const from = body.findLastIndex((l) => l.startsWith(FROM_SCHEMA));
  const schema = from < 0 ? "" : body[from]!.slice(FROM_SCHEMA.length);
  const message = [rest, ...body.filter((_, i) => i !== from)].join("\n");
  return { kind: "error", node, schema: schemaName(schema), message };
}

/** What dt-validate said about one node of a tree. */
export interface NodeFindings {
  errors: SchemaError[];
  /** The schemas that selected it other than those selecting every node. */
  schemas: string[];
}

const nameOf = (path: string) => (path === "/" ? "/" : path.slice(path.lastIndexOf("/") + 1));

/**
 * Places a tree's records on its nodes. `order` is every node's path in the order
 * dt-validate checks them (parents first, in blob order). An error goes to the next node
 * from the current one with the name it names; a "matched" record closes its node.
 */
export function placeRecords(
  order: readonly string[],
  records: readonly ValidateRecord[],
): Map<string, NodeFindings> {
  const found = new Map<string, NodeFindings>();
  const at = (path: string) =>
    found.get(path) ?? found.set(path, { errors: [], schemas: [] }).get(path)!;
  let cursor = 0;
  for (const r of records) {
    if (r.kind === "matched") {
      const i = order.indexOf(r.path);
      if (i >= 0) cursor = i + 1;
      at(r.path).schemas.push(...r.schemas);
      continue;
    }
    let i = order.findIndex((p, j) => j >= cursor && nameOf(p) === r.node);
    if (i < 0) i = order.findIndex((p) => nameOf(p) === r.node);
    if (i < 0) continue;
    cursor = i;
    at(order[i]!).errors.push({ schema: r.schema, message: r.message });
  }
  return found;
}

/**
 * The property that makes dt-validate pass a node by: its check_node returns at once for a node
 * holding `example-0` (dt-schema's shortcut past the examples in binding files) and still goes
 * on into the node's children. The node stays in the tree for what others read of it: its
 * path, #address-cells, #…-cells, phandle, status.
 */
export const UNCHECKED_MARK = "example-0";

/**
 * Marks every node of `tree` outside the subtrees at `checked` (paths) with UNCHECKED_MARK, so
 * dt-validate spends nothing on the ancestors and phandle providers a small tree holds only for
 * those subtrees' sake (most of its nodes: every schema that selects any node runs on each).
 * A schema checks a node and what is below it, never its parent or the nodes beside it, and
 * the providers' #…-cells that dt-validate reads to split phandle-arrays stay as they are; so
 * what it finds on the checked nodes is what it finds unmarked (a qemu-lane test compares).
 * Returns the checked nodes' paths in the order dt-validate checks them, for placeRecords.
 */
export function checkOnly(tree: Fdt, checked: readonly string[]): string[] {
  const under = (path: string) =>
    checked.some((c) => c === "/" || path === c || path.startsWith(`${c}/`));
  const order: string[] = [];
  for (const node of walk(tree.root)) {
    const path = node.path;
    if (under(path)) order.push(path);
    else node.attachProperty(UNCHECKED_MARK, new Uint8Array());
  }
  return order;
}

/**
 * Runs one of dt-schema's tools to completion; returns its stderr, where both write their
 * reports. A missing dt-schema and a failed run are EnvironmentErrors naming the tool.
 */
export async function runDtSchemaTool(
  tool: "dt-validate" | "dt-mk-schema",
  args: readonly string[],
  where: string,
): Promise<string> {
  const r = await execa(tool, args, { reject: false });
  if (r.code === "ENOENT") {
    throw new EnvironmentError(
      "DT_SCHEMA_MISSING",
      `${tool} (Debian's dt-schema) is not installed`,
      {
        hint: "Run 'platpass provision --for validate' (or: apt-get install -y dt-schema).",
      },
    );
  }
  if (r.exitCode !== 0) {
    throw new EnvironmentError("DT_SCHEMA_FAILED", `${tool} failed (exit ${r.exitCode})`, {
      where,
      hint: `${tool} said: ${r.stderr.split("\n").slice(-6).join("\n")}`,
    });
  }
  return r.stderr;
}

/**
 * Runs dt-validate once over `dtbs` (absolute paths) against `schema` (a processed schema
 * file), with -M so every node's matched schemas are reported.
 */
export async function runDtValidate(
  schema: string,
  dtbs: readonly string[],
): Promise<ValidateReport> {
  const stderr = await runDtSchemaTool(
    "dt-validate",
    ["-M", "-s", schema, ...dtbs],
    dtbs.join(", "),
  );
  return parseValidateOutput(stderr, dtbs);
}
