/**
 * What platpass reads of a processed dt-schema (`dt-mk-schema -j`, one object of schemas
 * keyed by `$id`): which schemas a node selects by its compatible, which ones dt-validate
 * applies to every node, what each schema references, and which properties hold phandles.
 * With it a validation can hand dt-validate only the schemas the nodes at hand can select
 * (and what those reference), instead of all ~3000 of Linux's. Pure: JSON in, data out.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A schema whose `select` is a test of `compatible` alone, as dt-mk-schema generates. */
export interface CompatibleSchema {
  id: string;
  /** The compatible strings it selects (its select's `const`s and `enum`s). */
  names: string[];
  /** The compatible patterns it selects (its select's `pattern`s), as JavaScript sources. */
  patterns: string[];
}

export interface SchemaIndex {
  byCompatible: CompatibleSchema[];
  /** Schemas selected by anything else (every node, a node-name pattern): always handed over. */
  always: string[];
  /** Each schema's `$ref`s, resolved to the `$id`s the processed schema holds. */
  refs: Record<string, string[]>;
  /** Properties some schema types `phandle` or `phandle-array`: names and name patterns. */
  phandleProperties: { names: string[]; patterns: string[] };
}

const PHANDLE_TYPE = /types\.yaml#\/definitions\/phandle(-array)?$/;
/**
 * Typed as a matrix, but its entries name interrupt parents whose #interrupt-cells
 * dt-validate reads to split it.
 */
const ALSO_PHANDLES = ["interrupt-map"];

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The compatible test of a select that tests only `compatible`, else undefined. */
function compatibleTest(select: Json | undefined): Json | undefined {
  if (!isObject(select)) return undefined;
  if (Object.keys(select).some((k) => k !== "properties" && k !== "required")) return undefined;
  const properties = select.properties;
  if (!isObject(properties)) return undefined;
  const keys = Object.keys(properties);
  return keys.length === 1 && keys[0] === "compatible" ? properties.compatible : undefined;
}

/** Every `const`, `enum` entry and `pattern` below a compatible test. */
function compatibleValues(test: Json, names: string[], patterns: string[]): void {
  if (Array.isArray(test)) {
    for (const t of test) compatibleValues(t, names, patterns);
    return;
  }
  if (!isObject(test)) return;
  for (const [key, value] of Object.entries(test)) {
    if (key === "const" && typeof value === "string") names.push(value);
    else if (key === "enum" && Array.isArray(value))
      for (const v of value) typeof v === "string" && names.push(v);
    else if (key === "pattern" && typeof value === "string") patterns.push(value);
    else compatibleValues(value, names, patterns);
  }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** The schema ids `$ref`s below `value` point at, resolved against the schema's own id. */
function references(value: Json, base: string, ids: Set<string>, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) references(v, base, ids, out);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === "$ref" && typeof v === "string") {
      const url = new URL(v, base);
      const id = `${url.origin}${url.pathname}#`;
      if (id !== base && ids.has(id)) out.add(id);
    } else references(v, base, ids, out);
  }
}

/** Whether a property's schema refers to the phandle types (not looking into child nodes). */
function phandleTyped(value: Json): boolean {
  if (Array.isArray(value)) return value.some(phandleTyped);
  if (!isObject(value)) return false;
  return Object.entries(value).some(([key, v]) =>
    key === "$ref"
      ? typeof v === "string" && PHANDLE_TYPE.test(v)
      : key !== "properties" && key !== "patternProperties" && phandleTyped(v),
  );
}

function collectPhandleProperties(value: Json, names: Set<string>, patterns: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectPhandleProperties(v, names, patterns);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if ((key === "properties" || key === "patternProperties") && isObject(v)) {
      for (const [name, sub] of Object.entries(v)) {
        if (!phandleTyped(sub)) continue;
        if (key === "properties") names.add(name);
        else if (compiles(name)) patterns.add(name);
      }
    }
    collectPhandleProperties(v, names, patterns);
  }
}

/** Indexes a processed schema (the parsed output of `dt-mk-schema -j`). */
export function indexSchema(processed: Record<string, Json>): SchemaIndex {
  const ids = new Set(Object.keys(processed));
  const index: SchemaIndex = {
    byCompatible: [],
    always: [],
    refs: {},
    phandleProperties: { names: [], patterns: [] },
  };
  const names = new Set<string>(ALSO_PHANDLES);
  const patterns = new Set<string>();
  for (const [id, schema] of Object.entries(processed)) {
    if (!isObject(schema)) continue;
    const select = schema.select;
    const test = compatibleTest(select);
    const compatible: CompatibleSchema = { id, names: [], patterns: [] };
    if (test !== undefined) compatibleValues(test, compatible.names, compatible.patterns);
    // A select that is neither a plain compatible test nor false may match any node; so
    // may one whose pattern JavaScript cannot read: hand both over always.
    if (test !== undefined && compatible.patterns.every(compiles)) {
      index.byCompatible.push(compatible);
    } else if (select !== false) {
      index.always.push(id);
    }
    const out = new Set<string>();
    references(schema, id, ids, out);
    if (out.size > 0) index.refs[id] = [...out].sort();
    collectPhandleProperties(schema, names, patterns);
  }
  index.phandleProperties = { names: [...names].sort(), patterns: [...patterns].sort() };
  return index;
}

/** The schemas that select a node with these compatibles by its compatible. */
export function schemasForCompatibles(
  index: SchemaIndex,
  compatibles: readonly string[],
): string[] {
  const patterns = new Map<string, RegExp>();
  const regex = (p: string) => patterns.get(p) ?? patterns.set(p, new RegExp(p)).get(p)!;
  return index.byCompatible
    .filter(
      (s) =>
        compatibles.some((c) => s.names.includes(c)) ||
        s.patterns.some((p) => compatibles.some((c) => regex(p).test(c))),
    )
    .map((s) => s.id);
}

/**
 * The schemas to hand dt-validate for nodes with these compatibles: the ones their
 * compatibles select, every schema selected otherwise, and everything those reference.
 */
export function schemaSubset(index: SchemaIndex, compatibles: readonly string[]): string[] {
  const kept = new Set([...index.always, ...schemasForCompatibles(index, compatibles)]);
  const todo = [...kept];
  while (todo.length > 0) {
    for (const ref of index.refs[todo.pop()!] ?? []) {
      if (kept.has(ref)) continue;
      kept.add(ref);
      todo.push(ref);
    }
  }
  return [...kept].sort();
}

/** Whether some schema types this property as a phandle or phandle-array. */
export function phandlePropertyTest(index: SchemaIndex): (name: string) => boolean {
  const names = new Set(index.phandleProperties.names);
  const patterns = index.phandleProperties.patterns.map((p) => new RegExp(p));
  return (name) => names.has(name) || patterns.some((p) => p.test(name));
}

/** A schema's short name, as the bindings tree files it: "net/calxeda-xgmac.yaml". */
export function schemaName(id: string): string {
  return id.replace(/^https?:\/\/devicetree\.org\/schemas\//, "").replace(/#$/, "");
}
