/**
 * Reading a Debian archive's own index files (deb822 stanzas): the `Release` file, whose
 * SHA256 list vouches for each `Packages` index, and a `Packages` index, whose entries
 * name each .deb's path and SHA256. Pure text in, data out; fetching and signature
 * checking are the caller's.
 */

/** One stanza's fields; continuation lines are kept, joined with "\n". */
export type Stanza = Record<string, string>;

/** Splits deb822 text (a Packages index, a Release file) into its stanzas. */
export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza = {};
  let last: string | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (Object.keys(current).length) stanzas.push(current);
      current = {};
      last = undefined;
    } else if (/^[ \t]/.test(line)) {
      if (last !== undefined) current[last] = `${current[last]}\n${line.trim()}`;
    } else {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      last = line.slice(0, colon);
      current[last] = line.slice(colon + 1).trim();
    }
  }
  if (Object.keys(current).length) stanzas.push(current);
  return stanzas;
}

export interface IndexedFile {
  sha256: string;
  size: number;
}

/** The SHA256 and size a Release file lists for `path` (e.g. "main/binary-amd64/Packages.xz"). */
export function releaseEntry(release: Stanza, path: string): IndexedFile | undefined {
  for (const line of (release.SHA256 ?? "").split("\n")) {
    const [sha256, size, name] = line.trim().split(/\s+/);
    if (name === path && sha256 && /^[0-9a-f]{64}$/.test(sha256)) {
      return { sha256, size: Number(size) };
    }
  }
  return undefined;
}

export interface PackageEntry extends IndexedFile {
  package: string;
  version: string;
  architecture: string;
  /** Path of the .deb relative to the archive root (the mirror URI). */
  filename: string;
}

/** Every entry of a Packages index for `name`, in index order; incomplete stanzas are dropped. */
export function packageEntries(stanzas: Stanza[], name: string): PackageEntry[] {
  const entries: PackageEntry[] = [];
  for (const s of stanzas) {
    if (s.Package !== name) continue;
    const { Version, Architecture, Filename, Size, SHA256 } = s;
    if (!Version || !Architecture || !Filename || !Size || !SHA256) continue;
    entries.push({
      package: name,
      version: Version,
      architecture: Architecture,
      filename: Filename,
      size: Number(Size),
      sha256: SHA256,
    });
  }
  return entries;
}
