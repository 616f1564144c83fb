/**
 * The L1 device tree: QEMU's own dump of the L1 machine plus the fix-ups in dts/bed-*.dts
 * (see their headers for the format), applied with platpass's FDT codec. Nodes are found
 * by compatible, never by name, so QEMU renaming a node does not silently skip a fix-up.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { EnvironmentError, QemuError } from "../errors.js";
import {
  asString,
  asU32,
  asU32s,
  cells,
  decodeReg,
  ensurePhandle,
  type Fdt,
  type FdtNode,
  findCompatible,
  phandleOf,
  readDtb,
  writeDtb,
} from "../fdt/index.js";
import { type MachineShape, machineArgs, shapeKey } from "./machine.js";
import { startSwtpm } from "./swtpm.js";

export const FIXUPS_DIR = fileURLToPath(new URL("../../dts/", import.meta.url));

const MATCH_COMPATIBLE = "platpass,match-compatible";
const MATCH_ADDRESS = "platpass,match-address";
const STREAM_ID = "platpass,iommu-stream-id";
const ADD_NODE = "platpass,add-node";
const DIRECTIVES = new Set([MATCH_COMPATIBLE, MATCH_ADDRESS, ADD_NODE, STREAM_ID, "phandle"]);
/** What `dtc -@` adds to the fix-up tree: its labels and where its references sit. */
const GENERATED = new Set(["__symbols__", "__local_fixups__", "__fixups__"]);

/** Dumps QEMU's DTB for the shape and applies every dts/bed-*.dts; cached per shape. */
export async function l1Dtb(
  cacheDir: string,
  shape: MachineShape,
  progress: Progress,
): Promise<string> {
  const files = await fixupFiles();
  const sources = await Promise.all(files.map((f) => readFile(f, "utf8")));
  const recipe = recipeDigest(sources, machineArgs(shape));
  const dir = await cachedStep(
    join(cacheDir, `dtb-${shapeKey(shape)}-${recipe}`),
    `dumping and fixing up the L1 device tree (${shapeKey(shape)})`,
    progress,
    async (tmp) => {
      const dumped = join(tmp, "qemu.dtb");
      const tpm = await startSwtpm();
      try {
        const [m, machine, ...rest] = machineArgs(shape);
        const r = await execa(
          "qemu-system-aarch64",
          // -nic none as the boot has it: QEMU's default NIC wants ipxe-qemu's option ROM,
          // which provisioning (no Recommends) does not install; as a PCI device it is not in
          // the tree either way.
          [
            m!,
            `${machine},dumpdtb=${dumped}`,
            ...rest,
            ...tpm.qemuArgs,
            "-display",
            "none",
            "-nic",
            "none",
          ],
          { reject: false, all: true, stdin: "ignore", timeout: 120_000 },
        );
        if (r.exitCode !== 0) {
          throw new QemuError("BED_DUMPDTB_FAILED", "QEMU could not dump the L1 machine's DTB", {
            hint: String(r.all ?? "").trim(),
          });
        }
      } finally {
        await tpm.stop();
      }
      const fdt = readDtb(await readFile(dumped));
      for (const file of files) applyFixups(fdt, await compileFixups(file), file);
      await writeFile(join(tmp, "l1.dtb"), writeDtb(fdt));
    },
  );
  return join(dir, "l1.dtb");
}

export async function fixupFiles(): Promise<string[]> {
  return (await readdir(FIXUPS_DIR))
    .filter((f) => f.startsWith("bed-") && f.endsWith(".dts"))
    .sort()
    .map((f) => join(FIXUPS_DIR, f));
}

async function compileFixups(file: string): Promise<Fdt> {
  // In a /plugin/ file, -@ records where each reference to a label sits (__local_fixups__),
  // so applyFixups can point it at the dump's node instead.
  const r = await execa("dtc", ["-q", "-@", "-I", "dts", "-O", "dtb", file], {
    encoding: "buffer",
    reject: false,
  });
  if (r.exitCode !== 0) {
    throw new EnvironmentError("BED_FIXUP_INVALID", "dtc rejected a bed fix-up", {
      where: file,
      hint: Buffer.from(r.stderr).toString(),
    });
  }
  return readDtb(r.stdout);
}

/** Applies one fix-up tree to `fdt` (see dts/bed-tpm.dts and bed-tpm-clocks.dts for the format). */
export function applyFixups(fdt: Fdt, fixups: Fdt, where: string): void {
  const fixes = fixups.root.children.filter((n) => !GENERATED.has(n.name));
  const targets = new Map(fixes.map((fix) => [fix, targetNode(fdt, fix, where)]));
  // dtc gives each referenced label's node a phandle of the fix-up tree's own; it stands for
  // the node that fix-up node patches or adds.
  const labelled = new Map<number, FdtNode>();
  for (const [fix, target] of targets) {
    const phandle = phandleOf(fix);
    if (phandle !== undefined) labelled.set(phandle, target);
  }
  const references = fixups.root.child("__local_fixups__");
  for (const [fix, target] of targets) {
    for (const [name, value] of fix.properties) {
      if (name === STREAM_ID) {
        target.setProperty("iommus", cells(ensurePhandle(fdt, smmu(fdt, where)), asU32(value)));
      } else if (!DIRECTIVES.has(name)) {
        const offsets = references?.child(fix.name)?.property(name);
        target.setProperty(name, offsets ? rebased(fdt, value, asU32s(offsets), labelled) : value);
      }
    }
  }
}

function targetNode(fdt: Fdt, fix: FdtNode, where: string): FdtNode {
  return fix.hasProperty(ADD_NODE) ? fdt.root.addChild(fix.name) : matchNode(fdt, fix, where);
}

/** `value` with the fix-up phandle at each byte offset replaced by its node's phandle in `fdt`. */
function rebased(
  fdt: Fdt,
  value: Uint8Array,
  offsets: number[],
  labelled: ReadonlyMap<number, FdtNode>,
): Uint8Array {
  const out = new Uint8Array(value);
  const view = new DataView(out.buffer);
  for (const offset of offsets) {
    const node = labelled.get(view.getUint32(offset));
    // dtc resolves every local reference to a labelled root child, all of which are in `labelled`.
    view.setUint32(offset, ensurePhandle(fdt, node!));
  }
  return out;
}

function matchNode(fdt: Fdt, fix: FdtNode, where: string): FdtNode {
  const compatibleValue = fix.property(MATCH_COMPATIBLE);
  if (!compatibleValue) {
    throw new EnvironmentError(
      "BED_FIXUP_INVALID",
      `fix-up '${fix.name}' has no ${MATCH_COMPATIBLE}`,
      { where },
    );
  }
  const compatible = asString(compatibleValue);
  const address = fix.property(MATCH_ADDRESS);
  const wanted = address ? asU32s(address).reduce((a, w) => (a << 32n) | BigInt(w), 0n) : undefined;
  const found = findCompatible(fdt, compatible).filter(
    (n) => wanted === undefined || decodeReg(n)[0]?.address === wanted,
  );
  if (found.length !== 1) {
    throw new QemuError(
      "BED_FIXUP_NO_MATCH",
      `fix-up '${fix.name}' matches ${found.length} nodes of QEMU's L1 DTB (compatible "${compatible}"${wanted === undefined ? "" : ` at 0x${wanted.toString(16)}`}) instead of one`,
      {
        where,
        hint: "This QEMU lays out the virt machine differently from QEMU 7.2; the fix-up needs revisiting.",
      },
    );
  }
  return found[0]!;
}

function smmu(fdt: Fdt, where: string): FdtNode {
  const found = findCompatible(fdt, "arm,smmu-v3");
  if (found.length !== 1) {
    throw new QemuError(
      "BED_NO_SMMU",
      `QEMU's L1 DTB has ${found.length} SMMUv3 nodes instead of one`,
      {
        where,
        hint: "The L1 machine is started with iommu=smmuv3; this QEMU ignored it.",
      },
    );
  }
  return found[0]!;
}
