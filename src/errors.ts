/**
 * Errors are values with a stable class (which decides the CLI exit code), a stable
 * `code` naming the rule that was broken, and a `hint` telling the user how to fix it.
 * Library code throws these and nothing else for user-facing problems; only the CLI
 * turns them into a paragraph and an exit code.
 */

export type ErrorClass = "usage" | "input" | "host" | "vfio" | "qemu" | "environment" | "internal";

/** One exit code per error class, stable across releases (documented in the README). */
export const EXIT_CODES: Record<ErrorClass, number> = {
  usage: 2,
  input: 3,
  host: 4,
  vfio: 5,
  qemu: 6,
  environment: 7,
  internal: 70,
};

export interface ErrorDetails {
  /** Which input, device, file or path the problem is in. */
  where?: string;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

export class PlatpassError extends Error {
  readonly errorClass: ErrorClass;
  readonly code: string;
  readonly where: string | undefined;
  readonly hint: string | undefined;

  constructor(errorClass: ErrorClass, code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.errorClass = errorClass;
    this.code = code;
    this.where = details.where;
    this.hint = details.hint;
  }

  get exitCode(): number {
    return EXIT_CODES[this.errorClass];
  }

  /** The one-paragraph form the CLI prints: what, where, how to fix. */
  paragraph(): string {
    // A message may end in an indented list ("…:\n  a\n  b\n"); a full stop after it would
    // stand alone on its own line.
    const message = this.message.trimEnd();
    const listed = /\n\s/.test(message);
    const parts = [listed || message.endsWith(".") ? message : `${message}.`];
    if (this.where) parts.push(`(in ${this.where})`);
    if (this.hint) parts.push(this.hint);
    return `platpass: ${parts.join(" ")} [${this.code}]`;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      class: this.errorClass,
      message: this.message,
      where: this.where,
      hint: this.hint,
      exitCode: this.exitCode,
    };
  }
}

/** Wrong command-line arguments. */
export class UsageError extends PlatpassError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super("usage", code, message, details);
  }
}

/** A config, DTB, DTS or overlay the user gave is wrong. */
export class InputError extends PlatpassError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super("input", code, message, details);
  }
}

/** The host (sysfs, drivers, IOMMU groups) is not in a state that allows the operation. */
export class HostError extends PlatpassError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super("host", code, message, details);
  }
}

/** A VFIO ioctl failed; carries the ioctl name and errno. */
export class VfioError extends PlatpassError {
  readonly ioctl: string | undefined;
  readonly errno: string | undefined;
  constructor(
    code: string,
    message: string,
    details: ErrorDetails & { ioctl?: string; errno?: string } = {},
  ) {
    super("vfio", code, message, details);
    this.ioctl = details.ioctl;
    this.errno = details.errno;
  }
}

/** QEMU refused, crashed, or did something other than what was planned. */
export class QemuError extends PlatpassError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super("qemu", code, message, details);
  }
}

/** A tool, package, asset or privilege this machine lacks. */
export class EnvironmentError extends PlatpassError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super("environment", code, message, details);
  }
}

export function isPlatpassError(e: unknown): e is PlatpassError {
  return e instanceof PlatpassError;
}
