/**
 * The addon contract (test/support/addon-contract.mjs) against the fake, each case on a fresh
 * fake shaped as the emulated host's TPM; test/bed/vfio/vfio.test.ts runs the same cases
 * against the real addon there.
 */
import { describe, expect, it } from "vitest";
import * as uapi from "../../../src/vfio/uapi.js";
import { addonContract, observeCase, TPM } from "../../support/addon-contract.mjs";
import { FakeNative } from "./fake-native.js";

function fakeTpm(): FakeNative {
  const fake = new FakeNative({
    name: TPM.name,
    flags: uapi.DEVICE_FLAGS.PLATFORM,
    regions: [TPM.region],
    irqFlags: [TPM.irqFlags],
  });
  const view = new DataView(fake.registers[0]!.buffer);
  for (const [offset, value] of TPM.resetRegisters) view.setUint32(offset!, value!, true);
  return fake;
}

addonContract({ describe, it, expect }, "the fake addon keeps the addon contract", (name: string) =>
  observeCase(name, {
    native: fakeTpm(),
    uapi,
    containerPath: "/dev/vfio/vfio",
    groupPath: "/dev/vfio/0",
    quietMs: 20,
    waitMs: 1000,
  }),
);
