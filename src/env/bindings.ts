/**
 * Linux's device-tree bindings as dt-validate takes them: a processed schema
 * (`dt-mk-schema -j`), made once and cached with its index (src/fdt/schema-index.ts).
 *
 * By default the bindings are Linux 6.1's, from Debian's linux-source-6.1 (fetched into the
 * cache with apt-get download, shared with the bed's module build): only
 * Documentation/devicetree/bindings is taken out of its tarball, and the result is cached
 * under cacheRoot()/bindings/ keyed by the package version. `platpass provision --for
 * validate` makes it; a pointer file names the version made last, so a warm validation asks
 * apt nothing. Instead a path may be given (--bindings, or PLATPASS_BINDINGS): a kernel tree,
 * a bindings folder, a kernel source tarball (each processed once and cached, keyed by what
 * their files are), or an already processed schema (.json, used as it is).
 *
 * Validations hand dt-validate a subset of the schema (what the nodes at hand can select),
 * cached beside the index by the subset's ids.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { EnvironmentError, InputError } from "../errors.js";
import { indexSchema, type SchemaIndex, schemaName } from "../fdt/schema-index.js";
import { runDtSchemaTool } from "../fdt/validate.js";
import { cacheRoot } from "./cache.js";
import { debianPackage } from "./debian.js";
import type { OfflineAsset } from "./offline.js";
import { cachedStep, type Progress, recipeDigest } from "./step.js";

export const SOURCE_PACKAGE = "linux-source-6.1";
const BINDINGS_DIR = "Documentation/devicetree/bindings";
/** Bumped when what a cached directory holds changes shape. */
const LAYOUT = 1;
const PROCESSED = "processed.json";
const INDEX = "index.json";
const META = "bindings.json";
const POINTER = `${SOURCE_PACKAGE}.json`;

const OFFLINE: OfflineAsset = {
  code: "BINDINGS_NOT_CACHED",
  missing: "Linux 6.1's device-tree bindings are not processed in the cache",
  hint: "PLATPASS_OFFLINE=1 forbids downloads. Run 'platpass provision --for validate' once with network access (it fetches linux-source-6.1 and caches the processed schema), or give a kernel tree, a bindings folder or a processed schema with --bindings PATH (or PLATPASS_BINDINGS).",
};

export interface Bindings {
  /** What the schema was processed from: "linux-source-6.1 6.1.192-3", or the path given. */
  source: string;
  /** The processed schema file. */
  schema: string;
  index: SchemaIndex;
  /** The cache directory holding its index and subsets. */
  dir: string;
}

/** What a cached directory records about itself. */
interface Meta {
  source: string;
  schema: string;
  /** `dt-mk-schema -V` of the run that processed it; absent for a schema given processed. */
  dtSchema?: string;
}

export interface BindingsOptions {
  /** A kernel tree, bindings folder, source tarball or processed schema; else PLATPASS_BINDINGS. */
  path?: string | undefined;
  progress?: Progress;
}

/** Where every processed schema, index and subset is cached. */
export const bindingsRoot = () => join(cacheRoot(), "bindings");
const quiet: Progress = () => {};

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

async function opened(dir: string): Promise<Bindings> {
  const meta = JSON.parse(await readFile(join(dir, META), "utf8")) as Meta;
  const index = JSON.parse(await readFile(join(dir, INDEX), "utf8")) as SchemaIndex;
  return { source: meta.source, schema: meta.schema, index, dir };
}

/** Indexes the processed schema `schema` into `tmp` and records where it came from. */
async function writeIndex(tmp: string, schema: string, meta: Meta): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(schema, "utf8"));
  } catch (e) {
    throw new InputError("BINDINGS_BAD_SCHEMA", "the processed schema is not JSON", {
      where: schema,
      cause: e,
      hint: "Give a schema made by 'dt-mk-schema -j', or a kernel tree or bindings folder to process.",
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InputError(
      "BINDINGS_BAD_SCHEMA",
      "the processed schema is not an object of schemas",
      {
        where: schema,
        hint: "Give a schema made by 'dt-mk-schema -j' (JSON, not YAML).",
      },
    );
  }
  await writeFile(join(tmp, INDEX), JSON.stringify(indexSchema(parsed as Record<string, never>)));
  await writeFile(join(tmp, META), JSON.stringify(meta));
}

/** dt-mk-schema over a bindings folder into tmp/processed.json, then its index. */
async function processBindings(
  tmp: string,
  bindingsDir: string,
  source: string,
  final: string,
  progress: Progress,
): Promise<void> {
  const started = Date.now();
  progress(`bindings: dt-mk-schema over ${source} (once; a few minutes)`);
  await runDtSchemaTool("dt-mk-schema", ["-j", "-o", join(tmp, PROCESSED), bindingsDir], source);
  const version = (await execa("dt-mk-schema", ["-V"], { reject: false })).stdout.trim();
  await writeIndex(tmp, join(tmp, PROCESSED), {
    source,
    schema: join(final, PROCESSED),
    dtSchema: version,
  });
  progress(`bindings: processed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Extracts only the bindings folder of a kernel source tarball into tmp/src. */
async function extractBindings(tmp: string, tarball: string, progress: Progress): Promise<string> {
  const out = join(tmp, "src");
  await mkdir(out);
  progress(`bindings: extracting ${BINDINGS_DIR} from ${tarball}`);
  const r = await execa("tar", ["-xf", tarball, "-C", out, "--wildcards", `*/${BINDINGS_DIR}/*`], {
    reject: false,
    all: true,
  });
  const tops = r.exitCode === 0 ? await readdir(out) : [];
  if (tops.length !== 1) {
    throw new InputError("BINDINGS_NOT_IN_TARBALL", `the tarball holds no ${BINDINGS_DIR}`, {
      where: tarball,
      hint: `Give a Linux source tarball (one top folder), a kernel tree or a processed schema. tar said: ${r.all?.split("\n").slice(-3).join(" ")}`,
    });
  }
  return join(out, tops[0]!, BINDINGS_DIR);
}

/** Linux 6.1's bindings from apt's linux-source-6.1, processed unless cached; for provision. */
export async function prepareDebianBindings(
  progress: Progress = quiet,
): Promise<Bindings & { processed: boolean }> {
  const pkg = await debianPackage(SOURCE_PACKAGE, "all", progress, OFFLINE);
  const source = `${SOURCE_PACKAGE} ${pkg.version}`;
  const safe = pkg.version.replace(/[^A-Za-z0-9.+~-]/g, "_");
  const dir = join(bindingsRoot(), `${SOURCE_PACKAGE}_${safe}-${recipeDigest(LAYOUT)}`);
  const processed = !existsSync(dir);
  await cachedStep(dir, `processing ${source}`, quiet, async (tmp) => {
    const tarballs = (await readdir(join(pkg.root, "usr/src"))).filter((f) =>
      f.startsWith(`${SOURCE_PACKAGE}.tar`),
    );
    if (!tarballs[0]) {
      throw new EnvironmentError("BINDINGS_NO_SOURCE", `${SOURCE_PACKAGE} holds no tarball`, {
        where: pkg.root,
      });
    }
    const src = await extractBindings(tmp, join(pkg.root, "usr/src", tarballs[0]), progress);
    await processBindings(tmp, src, source, dir, progress);
    await rm(join(tmp, "src"), { recursive: true, force: true });
  });
  await writeAtomic(join(bindingsRoot(), POINTER), JSON.stringify({ source, dir }));
  return { ...(await opened(dir)), processed };
}

/** The bindings made last from linux-source-6.1, when the pointer and its directory hold. */
export async function cachedDefaultBindings(): Promise<Bindings | undefined> {
  try {
    const { dir } = JSON.parse(await readFile(join(bindingsRoot(), POINTER), "utf8")) as {
      dir: string;
    };
    return await opened(dir);
  } catch {
    return undefined;
  }
}

/** What decides a folder's processed schema: every binding file's name, size and time. */
async function folderIdentity(dir: string): Promise<string> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".yaml")).sort();
  if (files.length === 0) {
    throw new InputError("BINDINGS_EMPTY", "the folder holds no binding (.yaml) files", {
      where: dir,
      hint: `Give a kernel tree (with ${BINDINGS_DIR}), its bindings folder, or a processed schema.`,
    });
  }
  const stats = await Promise.all(files.map((f) => stat(join(dir, f))));
  return recipeDigest(
    LAYOUT,
    dir,
    files.map((f, i) => [f, stats[i]!.size, stats[i]!.mtimeMs]),
  );
}

async function givenBindings(path: string, progress: Progress): Promise<Bindings> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new InputError("BINDINGS_NOT_FOUND", "the bindings path does not exist", {
      where: path,
      hint: "Give a kernel tree, a bindings folder, a Linux source tarball or a processed schema (.json), with --bindings PATH or PLATPASS_BINDINGS.",
    });
  }
  const real = await realpath(path);
  if (info.isDirectory()) {
    const inTree = join(real, BINDINGS_DIR);
    const folder = existsSync(inTree) ? inTree : real;
    const dir = join(bindingsRoot(), `folder-${await folderIdentity(folder)}`);
    await cachedStep(dir, `processing ${folder}`, quiet, (tmp) =>
      processBindings(tmp, folder, folder, dir, progress),
    );
    return opened(dir);
  }
  const key = recipeDigest(LAYOUT, real, info.size, info.mtimeMs);
  if (real.endsWith(".json")) {
    const dir = join(bindingsRoot(), `schema-${key}`);
    await cachedStep(dir, `indexing ${real}`, quiet, (tmp) =>
      writeIndex(tmp, real, { source: real, schema: real }),
    );
    return opened(dir);
  }
  const dir = join(bindingsRoot(), `tarball-${key}`);
  await cachedStep(dir, `processing ${real}`, quiet, async (tmp) => {
    const src = await extractBindings(tmp, real, progress);
    await processBindings(tmp, src, real, dir, progress);
    await rm(join(tmp, "src"), { recursive: true, force: true });
  });
  return opened(dir);
}

/**
 * The bindings a validation checks against: `options.path`, else $PLATPASS_BINDINGS, else
 * Linux 6.1's (processed on first use when provision has not done it).
 */
export async function loadBindings(options: BindingsOptions = {}): Promise<Bindings> {
  const progress = options.progress ?? quiet;
  const path = options.path ?? (process.env.PLATPASS_BINDINGS || undefined);
  if (path !== undefined) return givenBindings(path, progress);
  return (await cachedDefaultBindings()) ?? (await prepareDebianBindings(progress));
}

/**
 * A processed schema holding only `ids` (see schemaSubset), each schema's $filename its
 * short name so dt-validate's "From schema:" lines name the binding, not a cache path.
 */
export async function subsetFile(bindings: Bindings, ids: readonly string[]): Promise<string> {
  const file = join(bindings.dir, `subset-${recipeDigest(ids)}.json`);
  if (existsSync(file)) return file;
  const all = JSON.parse(await readFile(bindings.schema, "utf8")) as Record<
    string,
    Record<string, unknown>
  >;
  const subset: Record<string, unknown> = {};
  for (const id of ids) {
    const schema = all[id];
    if (schema) subset[id] = { ...schema, $filename: schemaName(id) };
  }
  await writeAtomic(file, JSON.stringify(subset));
  return file;
}
