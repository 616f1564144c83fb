/**
 * Lending a VFIO group node (/dev/vfio/N) to QEMU's user for one launch, like libvirt's DAC
 * labelling: a record of the node's owner, group and mode is written durably to
 * STATE/nodes/N.json BEFORE the chown, and the node is put back from that record when the
 * launch ends — or, after a SIGKILL of platpass, by `platpass restore` or the next launch of
 * the group. The record names the node's device number, so a node the kernel re-created
 * meanwhile (the group was released and bound again) is left as the kernel made it.
 */
import { chmodSync, chownSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { HostError } from "../../errors.js";
import {
  type InvalidEntry,
  isoTime,
  type ParsedFile,
  parseStateFile,
  scanRecords,
} from "./journal.js";
import { currentOwner, isAlive, ownerSchema } from "./owner.js";
import { integer, matching, type RecordOf, record, text } from "./record.js";
import { stateSubdir, syncDir, unlinkQuietly, writeDurably } from "./state.js";

const ID = integer(0, 0xffff_ffff);

const nodeFields = {
  group: integer(0, 0xffff_ffff),
  /** The node, /dev/vfio/N (another root only in tests). */
  path: matching(/^\/[A-Za-z0-9_./-]{1,200}\/vfio\/[0-9]{1,10}$/, "not a VFIO group node"),
  /** st_rdev: which node this record is about. */
  rdev: integer(0, Number.MAX_SAFE_INTEGER),
  /** What the node had before platpass lent it. */
  original: record({ uid: ID, gid: ID, mode: integer(0, 0o7777) }),
  /** Whom it was lent to. */
  lentTo: record({ uid: ID, gid: ID }),
  owner: ownerSchema,
  updated: text((s) => s.length <= 64, "not a time"),
};
const nodeSchema = record(nodeFields);

export type NodeRecord = RecordOf<typeof nodeFields>;

/** The filesystem calls lending makes; real ones by default, recorded ones in tests. */
export interface NodeFs {
  lstat(path: string): { uid: number; gid: number; mode: number; rdev: number; isChar: boolean };
  chown(path: string, uid: number, gid: number): void;
  chmod(path: string, mode: number): void;
}

export const realNodeFs: NodeFs = {
  lstat: (path) => {
    const st = lstatSync(path);
    return {
      uid: st.uid,
      gid: st.gid,
      mode: st.mode,
      rdev: st.rdev,
      isChar: st.isCharacterDevice(),
    };
  },
  chown: chownSync,
  chmod: chmodSync,
};

/** Mode a lent node gets: its new owner alone may open it. */
export const LENT_MODE = 0o600;

const SUFFIX = ".json";

function recordPath(state: string, group: number): string {
  return join(stateSubdir(state, "nodes"), `${group}${SUFFIX}`);
}

function parseNodeFile(file: string, group: number): ParsedFile<NodeRecord> {
  return parseStateFile(file, nodeSchema, (r) =>
    r.group === group ? undefined : `it names group ${r.group}, not the ${group} it is filed as`,
  );
}

function readNodeRecord(state: string, group: number): NodeRecord | undefined {
  const file = recordPath(state, group);
  const parsed = parseNodeFile(file, group);
  if (parsed === undefined || "value" in parsed) return parsed?.value;
  throw new HostError(
    "HOST_STATE_ENTRY_INVALID",
    `the ownership record of /dev/vfio/${group} cannot be used: ${parsed.refused}`,
    {
      where: file,
      hint: "Run 'platpass restore': it moves the record aside to the quarantine directory; then check the node's owner and mode (ls -l /dev/vfio).",
    },
  );
}

/** Every record in STATE/nodes/, and every file there that is not a usable record. */
export function scanNodeRecords(state: string): { records: NodeRecord[]; invalid: InvalidEntry[] } {
  const { values, invalid } = scanRecords(stateSubdir(state, "nodes"), (file, name) =>
    /^[0-9]{1,10}$/.test(name)
      ? parseNodeFile(file, Number(name))
      : { refused: "its name is not an IOMMU group number" },
  );
  return { records: values, invalid };
}

/**
 * Puts the node back as the record says it was (when it is still the node the record is
 * about), then drops the record. Safe to repeat: a crash between the two only repeats it.
 * False when there was nothing to put back (the node is gone or is another one now).
 */
export function returnNode(state: string, rec: NodeRecord, fs: NodeFs = realNodeFs): boolean {
  let now: ReturnType<NodeFs["lstat"]> | undefined;
  try {
    now = fs.lstat(rec.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const same = now?.isChar === true && now.rdev === rec.rdev;
  if (same) {
    fs.chown(rec.path, rec.original.uid, rec.original.gid);
    fs.chmod(rec.path, rec.original.mode);
  }
  unlinkQuietly(recordPath(state, rec.group));
  syncDir(join(state, "nodes"));
  return same;
}

export interface LentNodes {
  records: NodeRecord[];
  /** Puts every node back (newest first); throws the first failure after trying them all. */
  giveBack(): void;
}

/**
 * Lends each group node to `to` (owner and group, mode 0600), journaled before each change.
 * A record a dead run left for the same group is replayed first, so the original comes from
 * it, not from the node as that run left it. On a failure the nodes already lent go back.
 */
export function lendNodes(
  state: string,
  nodes: readonly { group: number; path: string }[],
  to: { uid: number; gid: number },
  fs: NodeFs = realNodeFs,
): LentNodes {
  const records: NodeRecord[] = [];
  const giveBack = () => {
    const errors: unknown[] = [];
    for (const rec of records.splice(0).reverse()) {
      try {
        returnNode(state, rec, fs);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  try {
    for (const { group, path } of nodes) {
      const left = readNodeRecord(state, group);
      if (left) {
        if (isAlive(left.owner) && left.owner.pid !== process.pid) {
          throw new HostError(
            "HOST_NODE_IN_USE",
            `${path} is lent to uid ${left.lentTo.uid} by the running platpass pid ${left.owner.pid}`,
            { where: recordPath(state, group), hint: "Wait for that launch to end." },
          );
        }
        returnNode(state, left, fs);
      }
      const st = fs.lstat(path);
      if (!st.isChar) {
        throw new HostError("HOST_BIND_FAILED", `${path} is not a character device`, {
          where: path,
          hint: "Something other than the kernel put it there; look at it before launching (ls -l /dev/vfio).",
        });
      }
      const rec: NodeRecord = {
        group,
        path,
        rdev: st.rdev,
        original: { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 },
        lentTo: { uid: to.uid, gid: to.gid },
        owner: currentOwner(),
        updated: isoTime(Date.now()),
      };
      writeDurably(recordPath(state, group), `${JSON.stringify(rec, null, 2)}\n`);
      records.push(rec);
      fs.chown(path, to.uid, to.gid);
      fs.chmod(path, LENT_MODE);
    }
  } catch (e) {
    try {
      giveBack();
    } catch {
      // The first error is the one to report; 'platpass restore' retries what is left.
    }
    throw e;
  }
  return { records, giveBack };
}
