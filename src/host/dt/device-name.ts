/**
 * The one rule for what may be a sysfs device name. A name becomes a path component under
 * /sys/bus/{platform,amba}/devices (and under platpass's state directory), so it must be a
 * single directory entry: anything else would point root at some other file. The rule is
 * what the kernel cannot produce, not a pattern of what it usually does: real platform
 * names include spaces ("Fixed MDIO bus.0") and colons ("firmware:optee").
 */

/** NAME_MAX: the longest directory entry Linux has. */
const MAX_NAME_BYTES = 255;

/** Why `name` cannot be a sysfs device name, or undefined when it can. */
export function deviceNameProblem(name: string): string | undefined {
  if (name === "") return "it is empty";
  if (name === "." || name === "..") return `'${name}' is a directory, not a device`;
  if (name.includes("/")) return "it contains '/'";
  if (name.includes("\0")) return "it contains a NUL byte";
  // Names are echoed into sysfs attributes that end at a newline, and printed to terminals.
  if (/[\x00-\x1f\x7f]/.test(name)) return "it contains a control character";
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) {
    return `it is longer than ${MAX_NAME_BYTES} bytes`;
  }
  return undefined;
}
