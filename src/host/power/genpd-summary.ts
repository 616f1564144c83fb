/**
 * /sys/kernel/debug/pm_genpd/pm_genpd_summary as Linux prints it (drivers/base/power/domain.c
 * in 6.1, drivers/pmdomain/core.c later; genpd_summary_one): after three header lines, each
 * domain on a line of its own (name, "on" or "off-N" with N its idle state, performance
 * state), its child domains on an indented line, then each attached device four spaces in
 * with its runtime PM status. 6.1 names a device by its kobject path
 * (/devices/platform/soc/ff300000.ethernet), later kernels by its name; a consumer of several
 * domains is attached through virtual devices named genpd:N:NAME.
 */

export interface DomainDevice {
  /** The device's name as sysfs has it (the kobject path's last part, genpd:N: removed). */
  name: string;
  /** active, suspended, unsupported (runtime PM disabled), error, … */
  runtimeStatus: string;
}

export interface PowerDomain {
  name: string;
  on: boolean;
  /** As printed: "on", or "off-N" (N the idle state). */
  state: string;
  devices: DomainDevice[];
}

const RULE = /^-{20,}\s*$/;

function deviceName(printed: string): string {
  return (printed.split("/").pop() ?? printed).replace(/^genpd:\d+:/, "");
}

/** The summary's domains, or undefined when `text` is not a pm_genpd_summary. */
export function parseGenpdSummary(text: string): PowerDomain[] | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => RULE.test(l));
  if (start < 0 || !/^domain\s+status/.test(lines[0] ?? "")) return undefined;
  const domains: PowerDomain[] = [];
  for (const line of lines.slice(start + 1)) {
    const words = line.trim().split(/\s+/);
    if (words[0] === "" || words.length < 2) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      domains.push({ name: words[0]!, on: words[1] === "on", state: words[1]!, devices: [] });
    } else if (indent === 4) {
      domains.at(-1)?.devices.push({ name: deviceName(words[0]!), runtimeStatus: words[1]! });
    }
    // Deeper lines list a domain's child domains, which say nothing of its devices.
  }
  return domains;
}
