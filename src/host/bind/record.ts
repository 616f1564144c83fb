/**
 * The shapes of the state's records (journal entries, locks, owners), checked field by field.
 * A dozen lines of checks instead of zod: every host command reads these records, and loading
 * zod doubled a `platpass restore` (0.15 → 0.29 s on x86, seconds under TCG in the emulated
 * host). Unknown keys are dropped, as a record is rebuilt from the fields it must have.
 */

/** A field that is not what a record platpass wrote holds there. */
export class RecordProblem extends Error {
  constructor(
    readonly reason: string,
    readonly path: readonly string[],
  ) {
    super(reason);
  }
}

/** Returns the field's value typed, or throws RecordProblem. */
export type Check<T> = (value: unknown, path: readonly string[]) => T;

export type Infer<C> = C extends Check<infer T> ? T : never;

export function text(rule: (s: string) => boolean, reason: string): Check<string> {
  return (v, path) => {
    if (typeof v !== "string" || !rule(v)) throw new RecordProblem(reason, path);
    return v;
  };
}

export function matching(pattern: RegExp, reason = `does not match ${pattern}`): Check<string> {
  return text((s) => pattern.test(s), reason);
}

export function integer(min: number, max: number): Check<number> {
  return (v, path) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new RecordProblem(`not an integer from ${min} to ${max}`, path);
    }
    return v;
  };
}

export function oneOf<T extends string>(...values: T[]): Check<T> {
  return (v, path) => {
    if (!values.includes(v as T)) throw new RecordProblem(`not one of ${values.join(", ")}`, path);
    return v as T;
  };
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, path) => (v === undefined ? undefined : check(v, path));
}

type Shape = Record<string, Check<unknown>>;
type Required<S extends Shape> = {
  [K in keyof S as undefined extends Infer<S[K]> ? never : K]: Infer<S[K]>;
};
type Optional<S extends Shape> = {
  [K in keyof S as undefined extends Infer<S[K]> ? K : never]?: Infer<S[K]>;
};
type Flat<T> = { [K in keyof T]: T[K] };
export type RecordOf<S extends Shape> = Flat<Required<S> & Optional<S>>;

/** An object with these fields; optional ones that are absent stay absent. */
export function record<S extends Shape>(shape: S): Check<RecordOf<S>> & { shape: S } {
  const check = (v: unknown, path: readonly string[]) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new RecordProblem("not an object", path);
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
      const value = field((v as Record<string, unknown>)[key], [...path, key]);
      if (value !== undefined) out[key] = value;
    }
    return out as RecordOf<S>;
  };
  return Object.assign(check, { shape });
}

/** Whether `value` passes `check`. */
export function conforms(check: Check<unknown>, value: unknown): boolean {
  try {
    check(value, []);
    return true;
  } catch (e) {
    if (e instanceof RecordProblem) return false;
    throw e;
  }
}
