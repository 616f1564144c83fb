import { InputError } from "../errors.js";

/** One rule a config breaks, at a JSON path such as `$.devices[0].host`. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** What kind of JSON document a DocumentError is about: its error code, its name, the fix. */
export interface DocumentKind {
  code: string;
  /** "config", "policy": the message says "the NOUN has 2 problems". */
  noun: string;
  hint: string;
}

/** A JSON document that breaks one or more rules; lists every problem, not just the first. */
export class DocumentError extends InputError {
  readonly problems: ConfigProblem[];

  constructor(kind: DocumentKind, file: string, problems: ConfigProblem[], hint?: string) {
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join("\n");
    super(
      kind.code,
      `the ${kind.noun} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${lines}\n`,
      { where: file, hint: hint ?? kind.hint },
    );
    this.problems = problems;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

const CONFIG_KIND: DocumentKind = {
  code: "CONFIG_INVALID",
  noun: "config",
  hint: 'Fix each listed path; schema/platpass.config.schema.json documents every key (point your editor at it with "$schema").',
};

/** A config that breaks one or more rules. */
export class ConfigError extends DocumentError {
  constructor(file: string, problems: ConfigProblem[], hint?: string) {
    super(CONFIG_KIND, file, problems, hint);
  }
}

/** `["devices", 0, "host"]` → `$.devices[0].host`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_$][\w$]*$/.test(name) ? `${acc}.${name}` : `${acc}[${JSON.stringify(name)}]`;
  }, "$");
}
