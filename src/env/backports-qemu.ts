/**
 * A second real QEMU for the tests: bookworm-backports' qemu-system-aarch64 (10.0.x), whose
 * vfio-platform has `fd` and `iommufd` where Debian 12's 7.2 has neither. It is a cached
 * asset, not an installed package: the system's apt sources and its QEMU 7.2 stay as they
 * are. `provisionBackportsQemu()` reads the suite's signed Release file from the mirror apt
 * already uses, checks it with gpgv against Debian's archive keyring, takes the Packages
 * index the Release vouches for, downloads the .deb the index names, checks its SHA256 and
 * unpacks it with `dpkg-deb -x` under cacheRoot()/qemu-backports/<version>_<arch>/.
 *
 * Only the one .deb is taken. qemu-system-data (firmware, keymaps) is not needed for
 * `-machine none` or `-M virt` without firmware, and the binary's shared libraries are the
 * ones qemu-system-arm 7.2 already depends on (see ROLE_PACKAGES in packages.ts).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { EnvironmentError } from "../errors.js";
import { cacheRoot } from "./cache.js";
import { aptMirror } from "./debian.js";
import {
  type PackageEntry,
  packageEntries,
  parseStanzas,
  releaseEntry,
  type Stanza,
} from "./debian-index.js";
import { isOffline } from "./offline.js";
import { isAlive } from "./step.js";

export const BACKPORTS_SUITE = "bookworm-backports";
/** The suite whose mirror apt already uses; backports lives beside it on the same mirror. */
const BASE_SUITE = "bookworm";
const PACKAGE = "qemu-system-arm";
/**
 * 10.0.x and 10.1.x still have vfio-platform; 10.2 removed it. A newer build in the index
 * is refused rather than taken, since it could not serve as the oracle.
 */
export const ACCEPTED_VERSIONS = /^1:10\.[01][.+~]/;
const ACCEPTED_TEXT = "1:10.0.x or 1:10.1.x";
/** Debian's archive keyring, from the debian-archive-keyring package apt itself trusts. */
const KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
/** Written last into the unpacked tree: what was fetched, from where, with which digest. */
const ASSET_FILE = "platpass-asset.json";
const PROVISION_HINT = "Run 'platpass provision --for tests'";

export interface BackportsQemu {
  /** The Debian package version, e.g. "1:10.0.2+ds-2+deb13u1~bpo12+1". */
  version: string;
  /** dpkg architecture of the binary (the host's). */
  arch: string;
  /** cacheRoot()/qemu-backports/<version>_<arch>: the unpacked .deb. */
  dir: string;
  /** dir/usr/bin/qemu-system-aarch64. */
  binary: string;
}

interface AssetRecord {
  package: string;
  version: string;
  arch: string;
  suite: string;
  url: string;
  sha256: string;
  size: number;
}

export type Progress = (line: string) => void;

/** Where the unpacked QEMU builds live. */
export function backportsQemuCacheDir(): string {
  return join(cacheRoot(), "qemu-backports");
}

export async function hostArchitecture(): Promise<string> {
  const r = await execa("dpkg", ["--print-architecture"], { reject: false });
  const arch = r.stdout.trim();
  if (r.exitCode !== 0 || !arch) {
    throw new EnvironmentError("BACKPORTS_NO_DPKG", "dpkg --print-architecture failed", {
      hint: "The bookworm-backports QEMU is fetched on Debian (or a derivative with dpkg) only.",
    });
  }
  return arch;
}

/** The index entries platpass may use: this architecture, a release line with vfio-platform. */
export function acceptedEntries(entries: PackageEntry[], arch: string): PackageEntry[] {
  return entries.filter((e) => e.architecture === arch && ACCEPTED_VERSIONS.test(e.version));
}

function layout(root: string, version: string, arch: string): BackportsQemu {
  const dir = join(root, `${version.replace(/[^A-Za-z0-9.+~-]/g, "_")}_${arch}`);
  return { version, arch, dir, binary: join(dir, "usr/bin/qemu-system-aarch64") };
}

/**
 * The newest accepted build already in the cache for this machine's architecture, or
 * undefined. Reads only the cache: no network, no apt.
 */
export async function cachedBackportsQemu(arch?: string): Promise<BackportsQemu | undefined> {
  const hostArch = arch ?? (await hostArchitecture());
  const root = backportsQemuCacheDir();
  const names = existsSync(root) ? await readdir(root) : [];
  const found: BackportsQemu[] = [];
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const record = await readRecord(join(root, name));
    if (!record || record.arch !== hostArch || !ACCEPTED_VERSIONS.test(record.version)) continue;
    const q = layout(root, record.version, record.arch);
    if (q.dir === join(root, name) && existsSync(q.binary)) found.push(q);
  }
  return newest(found);
}

/**
 * The cached binary for a test to run; fails, naming the command that fetches it, when it
 * was never fetched. Tests call this and fail with the reason rather than skip.
 */
export async function requireBackportsQemu(): Promise<BackportsQemu> {
  const arch = await hostArchitecture();
  const q = await cachedBackportsQemu(arch);
  if (q) return q;
  throw new EnvironmentError(
    "BACKPORTS_QEMU_MISSING",
    `${BACKPORTS_SUITE}' qemu-system-aarch64 (${ACCEPTED_TEXT}, ${arch}) is not in the platpass cache; run 'platpass provision --for tests' to fetch it`,
    {
      where: backportsQemuCacheDir(),
      hint: `${PROVISION_HINT}: it fetches the package into the cache (nothing is installed system-wide). The tests use it as a second QEMU with vfio-platform's fd and iommufd.`,
    },
  );
}

/**
 * Makes sure the cache holds the accepted build the index names now, fetching it when it
 * does not. With PLATPASS_OFFLINE=1 it never asks the network and takes what is cached.
 * `forArch` is this machine's architecture by default; the emulated ARM host takes arm64.
 */
export async function provisionBackportsQemu(
  progress: Progress = () => {},
  forArch?: string,
): Promise<BackportsQemu & { fetched: boolean }> {
  const arch = forArch ?? (await hostArchitecture());
  if (isOffline()) {
    const cached = await cachedBackportsQemu(arch);
    if (cached) return { ...cached, fetched: false };
    throw new EnvironmentError(
      "BACKPORTS_QEMU_OFFLINE",
      `${BACKPORTS_SUITE}' qemu-system-aarch64 is not cached and PLATPASS_OFFLINE=1 forbids fetching it`,
      {
        where: backportsQemuCacheDir(),
        hint: `${PROVISION_HINT} once with network access, or point PLATPASS_CACHE at a cache that holds it.`,
      },
    );
  }
  const mirror = await backportsMirror(arch);
  const entry = await indexEntry(mirror, arch, progress);
  const q = layout(backportsQemuCacheDir(), entry.version, arch);
  if (existsSync(join(q.dir, ASSET_FILE)) && existsSync(q.binary)) return { ...q, fetched: false };
  await unpackInto(q, entry, `${mirror}/${entry.filename}`, progress);
  return { ...q, fetched: true };
}

/** The mirror apt uses for bookworm/main on this architecture: backports live beside it. */
async function backportsMirror(arch: string): Promise<string> {
  const uri = await aptMirror(BASE_SUITE, arch);
  if (!uri || !/^https?:\/\//.test(uri)) {
    throw new EnvironmentError(
      "BACKPORTS_NO_MIRROR",
      `apt knows no http(s) source for ${BASE_SUITE}/main ${arch} packages, so there is no mirror to take ${BACKPORTS_SUITE} from`,
      {
        hint: `${PROVISION_HINT} (it runs apt-get update), or add a ${BASE_SUITE} main source to apt's sources; the backports suite itself need not be in them.`,
      },
    );
  }
  return uri;
}

/** The accepted qemu-system-arm entry of the signed backports index. */
async function indexEntry(mirror: string, arch: string, progress: Progress): Promise<PackageEntry> {
  const dists = `${mirror}/dists/${BACKPORTS_SUITE}`;
  progress(`provision: reading the signed ${BACKPORTS_SUITE} index for ${PACKAGE} (${arch})`);
  const release = await verifiedRelease(await download(`${dists}/InRelease`, 60_000), dists);
  const path = `main/binary-${arch}/Packages.xz`;
  const listed = releaseEntry(release, path);
  if (!listed) {
    throw new EnvironmentError(
      "BACKPORTS_NO_INDEX",
      `${BACKPORTS_SUITE}'s Release lists no ${path}`,
      {
        where: `${dists}/InRelease`,
        hint: `Debian publishes ${BACKPORTS_SUITE} for amd64 and arm64; this machine is ${arch}.`,
      },
    );
  }
  const xz = await download(`${dists}/${path}`, 120_000);
  checkDigest(xz, listed, `${dists}/${path}`);
  const unpacked = await execa("xz", ["-dc"], { input: xz, encoding: "utf8", reject: false });
  if (unpacked.exitCode !== 0) {
    throw new EnvironmentError("BACKPORTS_BAD_INDEX", `xz could not unpack ${path}`, {
      where: `${dists}/${path}`,
      hint: `xz said: ${unpacked.stderr.trim() || "(nothing)"}. ${PROVISION_HINT} (it installs xz-utils).`,
    });
  }
  const entries = packageEntries(parseStanzas(unpacked.stdout), PACKAGE);
  const accepted = await newest(acceptedEntries(entries, arch));
  if (!accepted) {
    const offered = entries.map((e) => `${e.version} (${e.architecture})`).join(", ") || "none";
    throw new EnvironmentError(
      "BACKPORTS_QEMU_GONE",
      `${BACKPORTS_SUITE} no longer has a ${PACKAGE} ${ACCEPTED_TEXT} for ${arch} (it has: ${offered})`,
      {
        where: `${dists}/${path}`,
        hint: `QEMU 10.2 removed vfio-platform, so a newer build cannot stand in. A build fetched earlier stays usable: set PLATPASS_OFFLINE=1 to use the cache under ${backportsQemuCacheDir()} without asking the index.`,
      },
    );
  }
  return accepted;
}

/**
 * The Release text inside InRelease, once gpgv has checked it against Debian's archive
 * keyring. As apt does, one valid signature suffices and any bad one refuses the file (the
 * suite is signed by two release keys, and an older keyring may know only one of them).
 * Valid-Until is not enforced: a snapshot mirror serves expired Release files on purpose.
 */
async function verifiedRelease(inRelease: Buffer, dists: string): Promise<Stanza> {
  if (!existsSync(KEYRING)) {
    throw new EnvironmentError(
      "BACKPORTS_NO_KEYRING",
      `${KEYRING} is missing, so the ${BACKPORTS_SUITE} index cannot be checked`,
      { hint: "apt-get install -y debian-archive-keyring gpgv" },
    );
  }
  // reject: false also turns a missing gpgv into a result (with no VALIDSIG) instead of a throw.
  const r = await execa("gpgv", ["--status-fd", "2", "--keyring", KEYRING, "--output", "-"], {
    input: inRelease,
    reject: false,
  });
  const status = r.stderr;
  const good = /^\[GNUPG:\] VALIDSIG /m.test(status) && !/^\[GNUPG:\] BADSIG /m.test(status);
  const [release] = good ? parseStanzas(r.stdout) : [];
  if (!release || release.Codename !== BACKPORTS_SUITE) {
    throw new EnvironmentError(
      "BACKPORTS_INDEX_UNVERIFIED",
      release
        ? `${dists}/InRelease is signed but for '${release.Codename}', not ${BACKPORTS_SUITE}`
        : `${dists}/InRelease has no valid signature from Debian's archive keyring`,
      {
        where: `${dists}/InRelease`,
        hint: `gpgv said: ${status
          .split("\n")
          .filter((l) => l.startsWith("gpgv:"))
          .slice(-3)
          .join(" ")
          .trim()}. A proxy or captive portal may have answered instead of the mirror; apt-get install -y gpgv debian-archive-keyring if either is missing.`,
      },
    );
  }
  return release;
}

async function download(url: string, timeoutMs: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const reason = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : e;
    throw new EnvironmentError("BACKPORTS_FETCH_FAILED", `could not fetch ${url}: ${reason}`, {
      where: url,
      cause: e,
      hint: "Check network access to the Debian mirror apt uses, or set PLATPASS_OFFLINE=1 to use a cached build.",
    });
  }
  if (!res.ok) {
    throw new EnvironmentError(
      "BACKPORTS_FETCH_FAILED",
      `${url} answered HTTP ${res.status} ${res.statusText}`,
      {
        where: url,
        hint: `The mirror apt uses may not carry ${BACKPORTS_SUITE}, or may be mid-sync (try again later).`,
      },
    );
  }
  return Buffer.from(await res.arrayBuffer());
}

function checkDigest(data: Buffer, want: { sha256: string; size: number }, url: string): void {
  const sha256 = createHash("sha256").update(data).digest("hex");
  if (sha256 === want.sha256 && data.length === want.size) return;
  throw new EnvironmentError(
    "BACKPORTS_DIGEST_MISMATCH",
    `${url} does not match its signed index: got ${data.length} bytes with SHA256 ${sha256}, expected ${want.size} bytes with ${want.sha256}`,
    {
      where: url,
      hint: "A mirror mid-sync or a proxy altered the download; nothing was kept. Run the provision again.",
    },
  );
}

/**
 * Downloads the .deb and unpacks it into a temporary directory beside the final one,
 * renamed into place only when complete: a present directory is a whole build.
 */
async function unpackInto(
  q: BackportsQemu,
  entry: PackageEntry,
  url: string,
  progress: Progress,
): Promise<void> {
  const root = backportsQemuCacheDir();
  await mkdir(root, { recursive: true });
  await removeStaleTemps(root);
  const tmp = join(root, `.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp);
  try {
    const started = Date.now();
    progress(
      `provision: download ${PACKAGE} ${entry.version} (${entry.architecture}, ${(entry.size / 2 ** 20).toFixed(1)} MiB)`,
    );
    const deb = await download(url, 600_000);
    checkDigest(deb, entry, url);
    const debFile = join(tmp, "package.deb");
    await writeFile(debFile, deb);
    const tree = join(tmp, "tree");
    const x = await execa("dpkg-deb", ["-x", debFile, tree], { reject: false, all: true });
    if (x.exitCode !== 0) {
      throw new EnvironmentError("BACKPORTS_UNPACK_FAILED", `dpkg-deb -x ${url} failed`, {
        where: url,
        hint: `dpkg-deb said: ${(x.all ?? "").trim().slice(0, 300)}`,
      });
    }
    const record: AssetRecord = {
      package: PACKAGE,
      version: entry.version,
      arch: q.arch,
      suite: BACKPORTS_SUITE,
      url,
      sha256: entry.sha256,
      size: entry.size,
    };
    await writeFile(join(tree, ASSET_FILE), `${JSON.stringify(record, null, 2)}\n`);
    try {
      await rename(tree, q.dir);
    } catch (e) {
      // Another process unpacked the same build first; theirs is as good as ours.
      if (!existsSync(join(q.dir, ASSET_FILE))) throw e;
    }
    progress(
      `provision: ${PACKAGE} ${entry.version} unpacked in ${((Date.now() - started) / 1000).toFixed(1)} s at ${q.binary}`,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Temporary directories left by provision runs that were killed. */
async function removeStaleTemps(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    const pid = Number(/^\.tmp-(\d+)-/.exec(name)?.[1]);
    if (pid && !isAlive(pid)) await rm(join(root, name), { recursive: true, force: true });
  }
}

async function readRecord(dir: string): Promise<AssetRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, ASSET_FILE), "utf8")) as AssetRecord;
  } catch {
    return undefined;
  }
}

/** dpkg's own version order, which no string comparison reproduces (epochs, ~, +). */
async function newerThan(a: string, b: string): Promise<boolean> {
  const r = await execa("dpkg", ["--compare-versions", a, "gt", b], { reject: false });
  return r.exitCode === 0;
}

async function newest<T extends { version: string }>(items: T[]): Promise<T | undefined> {
  let best = items[0];
  for (const item of items.slice(1)) {
    if (best && (await newerThan(item.version, best.version))) best = item;
  }
  return best;
}
