import { InputError } from "../errors.js";

/** One rule a config breaks, at a JSON path such as `$.devices[0].host`. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** A config that breaks one or more rules; lists every problem, not just the first. */
export class ConfigError extends InputError {
  readonly problems: ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[], hint?: string) {
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join("\n");
    super(
      "CONFIG_INVALID",
      `the config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${lines}\n`,
      {
        where: file,
        hint:
          hint ??
          'Fix each listed path; schema/platpass.config.schema.json documents every key (point your editor at it with "$schema").',
      },
    );
    this.problems = problems;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
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
