/**
 * The kernel's file interfaces (/sys, /proc, /dev, /lib/modules) under one root, so that
 * tests point everything at a captured tree and production uses "/". Reads return
 * undefined for what does not exist; writes go straight through as one write(2), which is
 * what sysfs attributes need.
 *
 * Every call is a synchronous system call behind an async signature: sysfs and procfs
 * answer from memory, while fs/promises turns each open, stat, read and close into a
 * thread-pool round trip, 5-30 ms apiece under TCG in the emulated host (a detach made
 * about sixty of them).
 */
import {
  accessSync,
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, posix } from "node:path";

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

export class Sysfs {
  readonly root: string;

  constructor(root = "/") {
    this.root = root;
  }

  /** The real path of an absolute kernel path ("/sys/bus/...") under the root. */
  path(p: string): string {
    return join(this.root, p);
  }

  async exists(p: string): Promise<boolean> {
    try {
      accessSync(this.path(p));
      return true;
    } catch {
      return false;
    }
  }

  /** A text attribute without its trailing newline, or undefined when absent. */
  async read(p: string): Promise<string | undefined> {
    try {
      return readFileSync(this.path(p), "utf8").replace(/\n$/, "");
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async readBytes(p: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(readFileSync(this.path(p)));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** A symlink's target as the kernel wrote it, undefined when `p` is absent or not a link. */
  async target(p: string): Promise<string | undefined> {
    try {
      return readlinkSync(this.path(p));
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === "EINVAL") return undefined;
      throw e;
    }
  }

  /** A symlink's target resolved to an absolute kernel path (sysfs links are relative). */
  async link(p: string): Promise<string | undefined> {
    const target = await this.target(p);
    if (target === undefined || target.startsWith("/")) return target;
    try {
      // Relative to the link's real directory: sysfs paths run through symlinked dirs.
      const realDir = realpathSync.native(this.path(dirname(p)));
      const rootReal = realpathSync.native(this.root);
      const dir = rootReal === "/" ? realDir : realDir.slice(rootReal.length) || "/";
      return posix.resolve(dir, target);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /**
   * The last component of a symlink's target: a driver name, a group number. The kernel's
   * links end in that name, so the target needs no resolving (two realpath calls saved).
   */
  async linkName(p: string): Promise<string | undefined> {
    const target = await this.target(p);
    return target === undefined ? undefined : basename(target);
  }

  async list(p: string): Promise<string[]> {
    try {
      return readdirSync(this.path(p)).sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
  }

  /** A directory's entries, sorted by name, each with whether it is a directory. */
  async entries(p: string): Promise<{ name: string; directory: boolean }[]> {
    try {
      return readdirSync(this.path(p), { withFileTypes: true })
        .map((e) => ({ name: e.name, directory: e.isDirectory() }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
  }

  /**
   * Writes an attribute in a single write(2) and closes it, so the kernel's store handler
   * sees exactly `text` and its error comes back as this call's error.
   */
  write(p: string, text: string): void {
    const fd = openSync(this.path(p), "w");
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }
}
