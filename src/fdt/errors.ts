import { InputError } from "../errors.js";

/**
 * Every rule the reader, the model or the value decoders can find broken. Each is its own
 * code so callers (and users) can tell a truncated download from a hand-edited blob.
 */
export type FdtErrorCode =
  /** The buffer is shorter than the header, or than the size the header claims. */
  | "FDT_TRUNCATED"
  /** The first word is not 0xd00dfeed. */
  | "FDT_BAD_MAGIC"
  /** version < 16, or last_comp_version > 17: not a layout this reader knows. */
  | "FDT_BAD_VERSION"
  /** A header offset or size puts a block outside the blob. */
  | "FDT_BAD_HEADER"
  /** A block does not start on the boundary the spec requires (8 for memrsv, 4 for struct). */
  | "FDT_BAD_ALIGNMENT"
  /** The memory reservation block has no (0, 0) terminator inside the blob. */
  | "FDT_RSVMAP_UNTERMINATED"
  /** A structure token is unknown, or appears where it is not allowed. */
  | "FDT_BAD_TOKEN"
  /** The structure block ends before FDT_END closes the tree. */
  | "FDT_STRUCT_UNTERMINATED"
  /** A node name has no NUL before the end of the structure block. */
  | "FDT_NAME_UNTERMINATED"
  /** A property value runs past the end of the structure block. */
  | "FDT_PROP_OOB"
  /** A property's name offset points outside the strings block. */
  | "FDT_STRING_OOB"
  /** A property's name has no NUL before the end of the strings block. */
  | "FDT_STRING_UNTERMINATED"
  /** A node or property name is empty or has characters device trees do not allow. */
  | "FDT_BAD_NAME"
  /** The root node has a name, or there is more than one root. */
  | "FDT_BAD_ROOT"
  /** Two sibling nodes, or two properties of one node, share a name. */
  | "FDT_DUPLICATE_NAME"
  /** Nodes are nested deeper than MAX_DEPTH. */
  | "FDT_TOO_DEEP"
  /** A property value has a length its type cannot have (e.g. a u32 that is not 4 bytes). */
  | "FDT_BAD_VALUE"
  /** A `reg` length is not a multiple of the parent bus's (#address-cells + #size-cells). */
  | "FDT_BAD_REG"
  /** No phandle value is left to allocate. */
  | "FDT_PHANDLE_EXHAUSTED";

/** A device tree broke a rule; `offset` is the byte in the blob where, when there is a blob. */
export class FdtError extends InputError {
  override readonly code: FdtErrorCode;
  readonly offset: number | undefined;

  constructor(
    code: FdtErrorCode,
    message: string,
    details: { offset?: number; where?: string; hint?: string } = {},
  ) {
    const at = details.offset === undefined ? undefined : `byte 0x${details.offset.toString(16)}`;
    const where = [details.where, at].filter(Boolean).join(" at ") || undefined;
    super(code, message, { where, hint: details.hint });
    this.code = code;
    this.offset = details.offset;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), offset: this.offset };
  }
}
