/**
 * The kernel's file interfaces (/sys, /proc, /dev, /lib/modules) under one root, so that
 * tests point everything at a captured tree and production uses "/". Reads return
 * undefined for what does not exist; writes go straight through as one write(2), which is
 * what sysfs attributes need.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { access, readdir, readFile, readlink, realpath } from "node:fs/promises";
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
      await access(this.path(p));
      return true;
    } catch {
      return false;
    }
  }

  /** A text attribute without its trailing newline, or undefined when absent. */
  async read(p: string): Promise<string | undefined> {
    try {
      return (await readFile(this.path(p), "utf8")).replace(/\n$/, "");
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async readBytes(p: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(p)));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** A symlink's target resolved to an absolute kernel path (sysfs links are relative). */
  async link(p: string): Promise<string | undefined> {
    try {
      const target = await readlink(this.path(p));
      if (target.startsWith("/")) return target;
      // Relative to the link's real directory: sysfs paths run through symlinked dirs.
      const realDir = await realpath(this.path(dirname(p)));
      const rootReal = await realpath(this.root);
      const dir = rootReal === "/" ? realDir : realDir.slice(rootReal.length) || "/";
      return posix.resolve(dir, target);
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === "EINVAL") return undefined;
      throw e;
    }
  }

  /** The last component of a symlink's target: a driver name, a group number. */
  async linkName(p: string): Promise<string | undefined> {
    const target = await this.link(p);
    return target === undefined ? undefined : basename(target);
  }

  async list(p: string): Promise<string[]> {
    try {
      return (await readdir(this.path(p))).sort();
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
