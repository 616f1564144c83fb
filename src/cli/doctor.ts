import { policyFile } from "../policy/load.js";
import { doctor } from "../provision/doctor.js";
import { table } from "../text.js";
import { type CommandIO, type ParsedArgs, stringOption } from "./command.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const checks = await doctor(policyFile(stringOption(args, "policy")));
  if (io.json) {
    io.out(JSON.stringify({ checks }, null, 2));
    return 0;
  }
  const rows = table(
    checks.map((c) => [c.ok ? "ok" : "MISS", c.name, `${c.detail}  [${c.roles.join(",")}]`]),
  );
  // A fix goes under its check's detail, where the third column starts.
  const indent = " ".repeat(Math.max(...checks.map((c) => c.name.length)) + 8);
  for (const [i, c] of checks.entries()) {
    io.out(rows[i]!);
    if (!c.ok && c.fix) io.out(`${indent}fix: ${c.fix}`);
  }
  return 0;
}
