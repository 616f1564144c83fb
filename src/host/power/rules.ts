/**
 * Does the host keep the device alive? vfio-platform manages no clocks and asks runtime PM
 * for the device only when QEMU opens it: a clock the kernel has gated (no driver holds it,
 * or unbinding the host driver let it go) or a power domain that is off leaves the guest a
 * dead device. These rules judge what the kernel reports (./device.ts), for `list` and for
 * `launch` after binding; where the kernel does not tell, they say so in a note.
 */
import type { DeviceClock, DevicePower } from "./device.js";

export type PowerProblemKind = "clock" | "power-domain";

export interface PowerProblem {
  kind: PowerProblemKind;
  message: string;
}

export interface PowerVerdict {
  problems: PowerProblem[];
  notes: string[];
}

/** What keeps a clock running for a device no driver of the host uses. */
export const CLOCK_FIX =
  "vfio-platform enables no clocks and Linux gates a clock no driver holds: boot with clk_ignore_unused (late init then leaves running the clocks the firmware started), and keep the host driver from ever binding the device (blacklist its module, bind vfio-platform from boot) so that no unbind gates them; a clock shared with another device also runs while that device's driver holds it";

/** What keeps a power domain on. */
export const DOMAIN_FIX =
  "boot with pd_ignore_unused (late init then leaves on the domains the firmware powered) and bind vfio-platform from boot, so the device stays attached to its domain";

function clockLabel(c: DeviceClock): string {
  const entry = c.connection === undefined ? `clocks[${c.index}]` : `'${c.connection}'`;
  return c.name === undefined ? entry : `${c.name} (${entry})`;
}

function clockVerdict(
  c: DeviceClock,
  device: string,
  driver: string | undefined,
  out: PowerVerdict,
) {
  if (c.name === undefined) {
    out.notes.push(
      `clock ${clockLabel(c)} of ${c.provider ?? "an unknown provider"} matches no clock the kernel lists: its state is not checked`,
    );
    return;
  }
  if (c.enableCount === 0 && c.hardwareEnabled === false) {
    out.problems.push({
      kind: "clock",
      message: `clock ${clockLabel(c)} is off (enable count 0, gated in hardware): the guest would find a dead device`,
    });
  } else if (c.enableCount === 0 && c.hardwareEnabled === true) {
    out.notes.push(
      `clock ${clockLabel(c)} runs but no driver holds it (enable count 0): it stays on only until something gates it`,
    );
  } else if (c.enableCount === 0) {
    out.notes.push(
      `clock ${clockLabel(c)} has enable count 0 and the kernel cannot tell whether the hardware runs it`,
    );
  } else if (driver && !driver.startsWith("vfio") && c.consumers?.includes(device)) {
    out.notes.push(
      `clock ${clockLabel(c)} is held by the host driver ${driver}: unbinding it may gate the clock (launch checks again after binding vfio-platform)`,
    );
  }
}

export function powerVerdict(
  power: DevicePower,
  device: string,
  driver: string | undefined,
): PowerVerdict {
  const out: PowerVerdict = { problems: [], notes: [] };
  if (power.clocks.length > 0 && power.clocksUntold !== undefined) {
    out.notes.push(`the kernel does not tell whether its clocks run: ${power.clocksUntold}`);
  } else {
    for (const c of power.clocks) clockVerdict(c, device, driver, out);
  }
  if (power.wantsDomains && power.domainsUntold !== undefined) {
    out.notes.push(
      `the kernel does not tell whether its power domain is on: ${power.domainsUntold}`,
    );
  }
  const bound = driver?.startsWith("vfio") === true;
  for (const d of power.domains.filter((x) => !x.on)) {
    if (bound) {
      out.problems.push({
        kind: "power-domain",
        message: `power domain ${d.name} is ${d.state}: the guest would find a dead device`,
      });
    } else {
      out.notes.push(
        `power domain ${d.name} is ${d.state} (the device is runtime-${d.runtimeStatus}): binding vfio-platform powers it on (launch checks again)`,
      );
    }
  }
  if (
    power.wantsDomains &&
    power.domainsUntold === undefined &&
    power.domains.length === 0 &&
    driver
  ) {
    out.notes.push("its DT names power-domains but no genpd domain lists the device");
  }
  if (power.runtimeStatus === "error") {
    out.notes.push("runtime PM reports an error for it (power/runtime_status)");
  }
  if (power.runtimeStatus === undefined && (power.clocks.length > 0 || power.wantsDomains)) {
    out.notes.push(
      "the kernel has no runtime PM state for it (no power/runtime_status: CONFIG_PM off)",
    );
  }
  return out;
}
