/**
 * What the VFIO addon (native/) and its fake (test/unit/vfio/fake-native.ts) must agree on,
 * as one list of cases run against the TPM (c000000.tpm_tis) in a type1 group: in the unit
 * lane against the fake, in the emulated ARM host against the real addon and vfio-platform
 * (test/bed/vfio/in-bed.mjs runs them there, test/bed/vfio/vfio.test.ts asserts them).
 *
 * Each case drives the VfioNative interface only and returns a JSON observation, so the bed
 * can ship it out of the emulated host; the same expected value is checked for both. Plain
 * JavaScript, because the emulated host runs it with node and no TypeScript.
 */
import { ACCESS, TIS } from "../bed/vfio/tpm-tis.mjs";

/** The device the cases open, as the emulated host's QEMU tpm-tis-device presents it. */
export const TPM = {
  name: "c000000.tpm_tis",
  /** vfio-platform: one MMIO region (READ | WRITE | MMAP, page-aligned), one level IRQ. */
  region: { size: 0x5000, flags: 0b0111 },
  irqFlags: 0b0111,
  didVid: 0x00011014,
  /** The 32-bit registers QEMU's TIS reads right after reset, for the fake to start from. */
  resetRegisters: [
    [TIS.DID_VID, 0x00011014],
    [TIS.INT_ENABLE, 0x08],
  ],
};

/**
 * INT_ENABLE keeps what is written to it while locality 0 is active (QEMU's TIS drops the
 * write otherwise); the values leave the global enable bit off, so nothing is raised.
 */
const READBACK = {
  offset: TIS.INT_ENABLE,
  values: [0x0c, 0x0a],
  resetValue: TPM.resetRegisters[1][1],
};

/** A wrong device name for the group (the TPM's group holds only the TPM). */
const UNKNOWN = "c100000.nosuch";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * An error as both must raise it: a failed syscall or ioctl by op and errno, anything else by
 * class and message, with the fd or mapping numbers of this run replaced by their role.
 */
function describeError(e, numbers = {}) {
  if (e && typeof e.op === "string") {
    return {
      op: e.op,
      errno: e.errno,
      errnoNumber: e.errnoNumber,
      saysOp: String(e.message).startsWith(`${e.op} failed: `),
    };
  }
  let message = String(e?.message);
  for (const [role, n] of Object.entries(numbers)) {
    message = message.replace(new RegExp(`\\b${n}\\b`, "g"), `<${role}>`);
  }
  return { class: e?.constructor?.name, message };
}

function failure(fn, numbers) {
  try {
    fn();
  } catch (e) {
    return describeError(e, numbers);
  }
  return "no error";
}

function u32s(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => v.getUint32(i * 4, true));
}

/** The legacy open: container, group, TYPE1v2, the device fd; `close` releases what is open. */
function open(h) {
  const { native, uapi } = h;
  const container = native.openPath(h.containerPath);
  const group = native.openPath(h.groupPath);
  const apiVersion = native.apiVersion(container);
  const typeOneV2 = native.checkExtension(container, uapi.IOMMU_TYPE.TYPE1v2);
  const groupBefore = native.groupStatus(group);
  native.groupSetContainer(group, container);
  native.setIommu(container, uapi.IOMMU_TYPE.TYPE1v2);
  const groupAfter = native.groupStatus(group);
  const device = native.groupDeviceFd(group, TPM.name);
  const fds = { device, group, container };
  return {
    ...fds,
    facts: { apiVersion, typeOneV2, groupBefore, groupAfter },
    close() {
      const owned = new Set(native.ownedFds());
      for (const fd of [device, group, container]) if (owned.has(fd)) native.closeFd(fd);
    },
  };
}

async function withDevice(h, run) {
  const d = open(h);
  try {
    return await run(d);
  } finally {
    d.close();
  }
}

async function waitFor(read, wanted, ms) {
  const until = Date.now() + ms;
  while (read() < wanted && Date.now() < until) await sleep(5);
  return read();
}

/** An eventfd counted on the event loop, as the trigger of IRQ 0 when `trigger` is set. */
function counter(h, device, trigger) {
  const { native, uapi } = h;
  const fd = native.eventfd();
  const seen = { total: 0, deliveries: [] };
  native.watch(fd, (count) => {
    seen.total += count;
    seen.deliveries.push(count);
  });
  if (trigger) {
    const flags = uapi.IRQ_SET.DATA_EVENTFD | uapi.IRQ_SET.ACTION_TRIGGER;
    native.setIrqs(device, 0, flags, 0, 1, Int32Array.of(fd));
  }
  return { fd, seen };
}

function loopback(h, device) {
  const { IRQ_SET } = h.uapi;
  h.native.setIrqs(device, 0, IRQ_SET.DATA_NONE | IRQ_SET.ACTION_TRIGGER, 0, 1);
}

function unmask(h, device) {
  const { IRQ_SET } = h.uapi;
  h.native.setIrqs(device, 0, IRQ_SET.DATA_NONE | IRQ_SET.ACTION_UNMASK, 0, 1);
}

/** Tears the trigger (and the unmask eventfd) down before the eventfds close. */
function teardown(h, device, ...fds) {
  const { IRQ_SET } = h.uapi;
  h.native.setIrqs(
    device,
    0,
    IRQ_SET.DATA_EVENTFD | IRQ_SET.ACTION_UNMASK,
    0,
    1,
    Int32Array.of(-1),
  );
  h.native.setIrqs(device, 0, IRQ_SET.DATA_NONE | IRQ_SET.ACTION_TRIGGER, 0, 0);
  for (const fd of fds) h.native.closeFd(fd);
}

/** Locality 0 held for `run`, released after, as TCG TIS has it. */
function withLocality(h, device, run) {
  h.native.write(device, TIS.ACCESS, 1, ACCESS.REQUEST_USE);
  try {
    return run();
  } finally {
    h.native.write(device, TIS.ACCESS, 1, ACCESS.ACTIVE_LOCALITY);
  }
}

const EINVAL = (op) => ({ op, errno: "EINVAL", errnoNumber: 22, saysOp: true });

/**
 * @typedef {object} Harness
 * @property {import("../../src/vfio/native.js").VfioNative} native
 * @property {typeof import("../../src/vfio/uapi.js")} uapi
 * @property {string} containerPath
 * @property {string} groupPath the TPM's /dev/vfio/N
 * @property {number} quietMs how long an IRQ that must not come is given to come anyway
 * @property {number} waitMs how long one that must come is waited for
 */

/** @type {{ name: string, run: (h: Harness) => Promise<unknown>, expected: unknown }[]} */
export const CASES = [
  {
    name: "opens through a TYPE1v2 container: API 0, TYPE1v2 offered, the group viable, then set",
    run: (h) => withDevice(h, (d) => d.facts),
    expected: { apiVersion: 0, typeOneV2: 1, groupBefore: 1, groupAfter: 3 },
  },
  {
    name: "device info: 20 bytes, a platform device without reset, one region, one IRQ",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const bytes = h.native.deviceInfo(device);
        const [argsz, flags, regions, irqs] = u32s(bytes);
        const { DEVICE_FLAGS } = h.uapi;
        return {
          length: bytes.length,
          argsz,
          platform: (flags & DEVICE_FLAGS.PLATFORM) !== 0,
          reset: (flags & DEVICE_FLAGS.RESET) !== 0,
          regions,
          irqs,
        };
      }),
    expected: { length: 20, argsz: 20, platform: true, reset: false, regions: 1, irqs: 1 },
  },
  {
    name: "region 0: 32 bytes, readable, writable and mmappable, no capabilities, at offset 0",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const bytes = h.native.regionInfo(device, 0);
        const [argsz, flags, index, capOffset] = u32s(bytes);
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        return {
          length: bytes.length,
          argsz,
          flags,
          index,
          capOffset,
          size: Number(v.getBigUint64(16, true)),
          offset: `0x${v.getBigUint64(24, true).toString(16)}`,
        };
      }),
    expected: {
      length: 32,
      argsz: 32,
      flags: TPM.region.flags,
      index: 0,
      capOffset: 0,
      size: TPM.region.size,
      offset: "0x0",
    },
  },
  {
    name: "IRQ 0: 16 bytes, one IRQ through an eventfd, maskable and automasked (level)",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const bytes = h.native.irqInfo(device, 0);
        const [argsz, flags, index, count] = u32s(bytes);
        return { length: bytes.length, argsz, flags, index, count };
      }),
    expected: { length: 16, argsz: 16, flags: TPM.irqFlags, index: 0, count: 1 },
  },
  {
    name: "refuses what is past the device's one region and one IRQ with EINVAL",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const { IRQ_SET } = h.uapi;
        const n = h.native;
        return {
          regionInfo: failure(() => n.regionInfo(device, 1)),
          irqInfo: failure(() => n.irqInfo(device, 1)),
          setIrqs: failure(() =>
            n.setIrqs(device, 1, IRQ_SET.DATA_NONE | IRQ_SET.ACTION_TRIGGER, 0, 1),
          ),
          pread: failure(() => n.read(device, 2 ** 40, 4)),
        };
      }),
    expected: {
      regionInfo: EINVAL("VFIO_DEVICE_GET_REGION_INFO"),
      irqInfo: EINVAL("VFIO_DEVICE_GET_IRQ_INFO"),
      setIrqs: EINVAL("VFIO_DEVICE_SET_IRQS"),
      pread: EINVAL("pread"),
    },
  },
  {
    name: "a device name the group does not hold: ENODEV from VFIO_GROUP_GET_DEVICE_FD",
    run: (h) => withDevice(h, ({ group }) => failure(() => h.native.groupDeviceFd(group, UNKNOWN))),
    expected: { op: "VFIO_GROUP_GET_DEVICE_FD", errno: "ENODEV", errnoNumber: 19, saysOp: true },
  },
  {
    name: "reset of a device without a reset handler: EINVAL from VFIO_DEVICE_RESET",
    run: (h) => withDevice(h, ({ device }) => failure(() => h.native.reset(device))),
    expected: EINVAL("VFIO_DEVICE_RESET"),
  },
  {
    name: "reads DID_VID alike through pread at 4, 2 and 1 bytes and through an mmap view",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const n = h.native;
        const at = TIS.DID_VID;
        const map = n.map(device, 0, TPM.region.size, false);
        try {
          return {
            four: n.read(device, at, 4),
            two: [n.read(device, at, 2), n.read(device, at + 2, 2)],
            one: [0, 1, 2, 3].map((i) => n.read(device, at + i, 1)),
            mapped: n.mapRead(map, at, 4),
            mappedTwo: n.mapRead(map, at + 2, 2),
          };
        } finally {
          n.unmap(map);
        }
      }),
    expected: {
      four: TPM.didVid,
      two: [TPM.didVid & 0xffff, TPM.didVid >>> 16],
      one: [0, 1, 2, 3].map((i) => (TPM.didVid >>> (8 * i)) & 0xff),
      mapped: TPM.didVid,
      mappedTwo: TPM.didVid >>> 16,
    },
  },
  {
    name: "a write through pwrite and one through the mmap view reach the same register",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const n = h.native;
        const { offset, values, resetValue } = READBACK;
        const map = n.map(device, 0, TPM.region.size, true);
        try {
          return withLocality(h, device, () => {
            n.write(device, offset, 4, values[0]);
            const written = { pread: n.read(device, offset, 4), mmap: n.mapRead(map, offset, 4) };
            n.mapWrite(map, offset, 4, values[1]);
            const mapWritten = {
              pread: n.read(device, offset, 4),
              mmap: n.mapRead(map, offset, 4),
            };
            n.write(device, offset, 4, resetValue);
            return { written, mapWritten };
          });
        } finally {
          n.unmap(map);
        }
      }),
    expected: {
      written: { pread: READBACK.values[0], mmap: READBACK.values[0] },
      mapWritten: { pread: READBACK.values[1], mmap: READBACK.values[1] },
    },
  },
  {
    name: "checks width, alignment, value, offset and mapping bounds before any access",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const n = h.native;
        const readOnly = n.map(device, 0, TPM.region.size, false);
        try {
          return {
            width: failure(() => n.read(device, 0, 3)),
            aligned: failure(() => n.read(device, TIS.DID_VID + 1, 2)),
            value: failure(() => n.write(device, TIS.INT_ENABLE, 1, 0x100)),
            negative: failure(() => n.read(device, -4, 4)),
            outside: failure(() => n.mapRead(readOnly, TPM.region.size, 4)),
            readOnly: failure(() => n.mapWrite(readOnly, TIS.INT_ENABLE, 4, 0x08)),
            emptyMap: failure(() => n.map(device, 0, 0, false)),
          };
        } finally {
          n.unmap(readOnly);
        }
      }),
    expected: {
      width: {
        class: "RangeError",
        message: "width must be 1, 2 or 4 bytes (use read64/write64 for 8)",
      },
      aligned: {
        class: "RangeError",
        message: "offset 0xf01 is not aligned to the access width of 2 bytes",
      },
      value: { class: "RangeError", message: "value does not fit in 8 bits" },
      negative: { class: "RangeError", message: "offset must be a non-negative safe integer" },
      outside: {
        class: "RangeError",
        message: "offset 0x5000 + 4 is outside the 0x5000-byte mapping",
      },
      readOnly: { class: "Error", message: "mapping is read-only" },
      emptyMap: { class: "RangeError", message: "size must be at least 1" },
    },
  },
  {
    name: "refuses an mmap that runs past the region's end: EINVAL from mmap",
    run: (h) =>
      withDevice(h, ({ device }) =>
        failure(() => h.native.map(device, 0, TPM.region.size + 0x1000, false)),
      ),
    expected: EINVAL("mmap"),
  },
  {
    name: "a loopback trigger signals the trigger eventfd once; the automasked line stays quiet until unmasked",
    run: (h) =>
      withDevice(h, async ({ device }) => {
        const { fd, seen } = counter(h, device, true);
        try {
          loopback(h, device);
          const first = await waitFor(() => seen.total, 1, h.waitMs);
          loopback(h, device);
          await sleep(h.quietMs);
          const whileMasked = seen.total;
          unmask(h, device);
          loopback(h, device);
          const afterUnmask = await waitFor(() => seen.total, 2, h.waitMs);
          return { first, whileMasked, afterUnmask, deliveries: seen.deliveries };
        } finally {
          teardown(h, device, fd);
        }
      }),
    expected: { first: 1, whileMasked: 1, afterUnmask: 2, deliveries: [1, 1] },
  },
  {
    name: "a signal on the unmask eventfd unmasks the automasked line",
    run: (h) =>
      withDevice(h, async ({ device }) => {
        const { IRQ_SET } = h.uapi;
        const { fd, seen } = counter(h, device, true);
        const resample = h.native.eventfd();
        try {
          const flags = IRQ_SET.DATA_EVENTFD | IRQ_SET.ACTION_UNMASK;
          h.native.setIrqs(device, 0, flags, 0, 1, Int32Array.of(resample));
          loopback(h, device);
          const first = await waitFor(() => seen.total, 1, h.waitMs);
          h.native.eventfdSignal(resample, 1);
          await sleep(h.quietMs);
          loopback(h, device);
          const afterSignal = await waitFor(() => seen.total, 2, h.waitMs);
          return { first, afterSignal };
        } finally {
          teardown(h, device, fd, resample);
        }
      }),
    expected: { first: 1, afterSignal: 2 },
  },
  {
    name: "an eventfd delivers what was added to it, and nothing once unwatched",
    run: async (h) => {
      const n = h.native;
      const { fd, seen } = counter(h, undefined, false);
      try {
        n.eventfdSignal(fd, 2);
        n.eventfdSignal(fd, 3);
        const total = await waitFor(() => seen.total, 5, h.waitMs);
        n.unwatch(fd);
        n.eventfdSignal(fd, 4);
        await sleep(h.quietMs);
        return { total, afterUnwatch: seen.total };
      } finally {
        n.closeFd(fd);
      }
    },
    expected: { total: 5, afterUnwatch: 5 },
  },
  {
    name: "refuses a second watch, an unwatch of what is not watched, and eventfds it does not own or that do not match count",
    run: (h) =>
      withDevice(h, ({ device }) => {
        const { IRQ_SET } = h.uapi;
        const n = h.native;
        const fd = n.eventfd();
        const notOurs = Math.max(...n.ownedFds()) + 100;
        const numbers = { eventfd: fd, device, notOurs };
        const trigger = IRQ_SET.DATA_EVENTFD | IRQ_SET.ACTION_TRIGGER;
        try {
          const unwatched = failure(() => n.unwatch(fd), numbers);
          n.watch(fd, () => {});
          return {
            unwatched,
            twice: failure(() => n.watch(fd, () => {}), numbers),
            notOurs: failure(
              () => n.setIrqs(device, 0, trigger, 0, 1, Int32Array.of(notOurs)),
              numbers,
            ),
            count: failure(
              () => n.setIrqs(device, 0, trigger, 0, 1, Int32Array.of(fd, fd)),
              numbers,
            ),
          };
        } finally {
          n.closeFd(fd);
        }
      }),
    expected: {
      unwatched: { class: "Error", message: "fd <eventfd> is not watched" },
      twice: { class: "Error", message: "fd <eventfd> is already watched" },
      notOurs: { class: "Error", message: "eventfd <notOurs> is not open in this addon" },
      count: { class: "RangeError", message: "one eventfd per IRQ in count is required" },
    },
  },
  {
    name: "closes each fd once: closing the device drops its mappings, a closed fd is refused, nothing is left open",
    run: (h) => {
      const n = h.native;
      const before = n.ownedFds();
      const d = open(h);
      const map = n.map(d.device, 0, TPM.region.size, false);
      const numbers = { device: d.device, map };
      const opened = n.ownedFds().filter((fd) => !before.includes(fd)).length;
      n.closeFd(d.device);
      const result = {
        opened,
        mapAfterClose: failure(() => n.mapRead(map, TIS.DID_VID, 4), numbers),
        unmapAfterClose: failure(() => n.unmap(map), numbers),
        secondClose: failure(() => n.closeFd(d.device), numbers),
        readAfterClose: failure(() => n.read(d.device, TIS.DID_VID, 4), numbers),
      };
      d.close();
      return { ...result, leftOpen: n.ownedFds().filter((fd) => !before.includes(fd)) };
    },
    expected: {
      opened: 3,
      mapAfterClose: { class: "Error", message: "mapping <map> is not mapped" },
      unmapAfterClose: { class: "Error", message: "mapping <map> is not mapped" },
      secondClose: {
        class: "Error",
        message: "fd <device> is not open in this addon (closed already, or never opened by it)",
      },
      readAfterClose: {
        class: "Error",
        message: "fd <device> is not open in this addon (closed already, or never opened by it)",
      },
      leftOpen: [],
    },
  },
];

async function observe(c, harness) {
  try {
    return { value: await c.run(harness) };
  } catch (e) {
    return { thrown: describeError(e) };
  }
}

/** Runs every case in order on one harness: what the emulated host does with the real addon. */
export async function runAddonContract(harness) {
  const observed = {};
  for (const c of CASES) observed[c.name] = await observe(c, harness);
  return observed;
}

/** One case run on its own harness: what the unit lane does with a fresh fake per case. */
export function observeCase(name, harness) {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no contract case named ${JSON.stringify(name)}`);
  return observe(c, harness);
}

/**
 * Registers one `it` per case under `title`; `observed(name)` gives that case's observation
 * (`{ value }`, or `{ thrown }` when the case itself failed).
 */
export function addonContract({ describe, it, expect }, title, observed) {
  describe(title, () => {
    for (const c of CASES) {
      it(c.name, async () => {
        expect(await observed(c.name)).toEqual({ value: c.expected });
      });
    }
  });
}
