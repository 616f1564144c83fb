/**
 * `platpass demo`: the whole story on any x86 or ARM Linux machine. Builds (cached) and
 * boots the emulated ARM host, where `platpass launch` assigns the platform TPM to a nested
 * KVM guest through vfio-platform with a device tree nobody wrote by hand; the launch
 * narrates what it discovered, planned, verified against QEMU and how the TPM's interrupt
 * is injected, the guest reads random bytes from the TPM, and the TPM goes back to its
 * host driver afterwards.
 */

import { buildBed, runInBed } from "../bed/index.js";
import { EnvironmentError } from "../errors.js";
import { demoGuestConfig, L1_TPM, readGuestTpm, tpmGuestScript } from "./guest.js";

export interface DemoOptions {
  gic: 2 | 3;
  /** Text as it happens (the emulated host's console, the launch's narration). */
  write: (text: string) => void;
  progress: (line: string) => void;
  signal?: AbortSignal;
}

export interface DemoResult {
  randoms: string[];
  irqsBefore: number | undefined;
  irqsAfter: number | undefined;
  driverAfter: string | undefined;
  seconds: { build: number; total: number };
}

const tpmSysfs = `/sys/bus/platform/devices/${L1_TPM}`;

/** What L1 runs: the launch, framed by the TPM's host driver before and after. */
export function demoL1Script(): string {
  return [
    "set -e",
    `echo "== inside the emulated ARM host: the TPM ${L1_TPM} is on driver $(basename $(readlink ${tpmSysfs}/driver))"`,
    'printf "%s" "$PLATPASS_DEMO_CONFIG" > /tmp/demo.json',
    'echo "== the whole config (no device tree written by hand):"',
    "cat /tmp/demo.json; echo",
    'echo "== platpass launch /tmp/demo.json"',
    "platpass launch /tmp/demo.json 2>&1",
    `echo "== after the guest: PP-DRIVER-AFTER $(basename $(readlink ${tpmSysfs}/driver)), driver_override $(cat ${tpmSysfs}/driver_override), $(ls /dev/tpm0)"`,
  ].join("\n");
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  options.progress("demo: building the emulated ARM host (cached after the first run)");
  await buildBed({ progress: options.progress });
  const built = Date.now();
  const config = demoGuestConfig({
    gic: options.gic,
    devices: [L1_TPM],
    script: tpmGuestScript(5),
  });
  options.progress(
    `demo: booting the emulated ARM host (GICv${options.gic}) and running platpass launch inside it`,
  );
  const result = await runInBed({
    command: ["sh", "-c", demoL1Script()],
    gic: options.gic,
    env: {
      PLATPASS_DEMO_CONFIG: JSON.stringify(config, null, 2),
      // L1's /var/lib is on its read-only userland share; the journal lives as long as L1.
      PLATPASS_STATE: "/tmp/platpass-state",
    },
    timeoutMs: 1_200_000,
    onOutput: options.write,
    progress: options.progress,
    signal: options.signal,
  });
  const tpm = readGuestTpm(result.output);
  const driverAfter = /PP-DRIVER-AFTER (\S+?),/.exec(result.output)?.[1];
  if (result.exitCode !== 0 || tpm.randoms.length === 0) {
    throw new EnvironmentError(
      "DEMO_FAILED",
      `the demo's launch did not complete (exit ${result.exitCode}, ${tpm.randoms.length} TPM answers from the guest)`,
      { hint: "Its output is above; 'platpass doctor' checks what the emulated host needs." },
    );
  }
  return {
    randoms: tpm.randoms,
    irqsBefore: tpm.irqsBefore,
    irqsAfter: tpm.irqsAfter,
    driverAfter,
    seconds: { build: (built - started) / 1000, total: (Date.now() - started) / 1000 },
  };
}
