/** The device-tree codec: model, DTB read/write, value codecs, lookups, DTS printer, dtc. */

export {
  type DescribedNode,
  type DescribedValue,
  describeNode,
  describeValue,
  valueText,
} from "./describe.js";
export {
  applyOverlays,
  checkDtb,
  compileDts,
  type Diagnostic,
  DtcError,
  decompileDtb,
  verifyDtb,
} from "./dtc.js";
export { formatValue, printDts } from "./dts.js";
export { FdtError, type FdtErrorCode } from "./errors.js";
export { MAX_INPUT_BYTES, readDtbFile, readInputFile, readInputText } from "./file.js";
export {
  addressCells,
  allocatePhandle,
  decodeReg,
  ensurePhandle,
  findCompatible,
  findNode,
  interruptParent,
  nodeByPhandle,
  type PhandleCollision,
  type PhandleIndex,
  phandleIndex,
  phandleOf,
  sizeCells,
} from "./lookup.js";
export { type ReadOptions, readDtb } from "./read.js";
export { cloneFdt, Fdt, FdtNode, type Reservation, walk } from "./tree.js";
export {
  asPhandle,
  asString,
  asStrings,
  asU32,
  asU32s,
  asU64,
  bytes,
  cells,
  empty,
  str,
  u64,
} from "./values.js";
export { writeDtb } from "./write.js";
