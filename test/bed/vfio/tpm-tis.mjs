// Just enough of the TCG PC Client TPM Interface Specification (TIS) FIFO interface, locality
// 0, to drive the emulated host's TPM through a VFIO register interface (a RegionFile or an
// MmioView) and make it raise interrupts.

export const TIS = {
  ACCESS: 0x00,
  INT_ENABLE: 0x08,
  INT_STATUS: 0x10,
  STS: 0x18,
  DATA_FIFO: 0x24,
  DID_VID: 0xf00,
};

export const ACCESS = {
  ESTABLISHMENT: 0x01,
  REQUEST_USE: 0x02,
  ACTIVE_LOCALITY: 0x20,
  REG_VALID: 0x80,
};

export const STS = { VALID: 0x80, COMMAND_READY: 0x40, GO: 0x20, DATA_AVAIL: 0x10 };

export const INT = { DATA_AVAIL: 0x01, ALL: 0x87, GLOBAL: 0x80000000 };

/** TPM2_GetRandom(8): tag ST_NO_SESSIONS, size 12, command code 0x17b, bytesRequested 8. */
export const GET_RANDOM_8 = [0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x7b, 0, 8];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls (without blocking the event loop) until STS has all `bits`; false on timeout. */
export async function waitForStatus(io, bits, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((io.read(TIS.STS, 8) & bits) === bits) return true;
    await sleep(5);
  }
  return false;
}

/** Puts a command in the FIFO and starts it; the TPM answers asynchronously. */
export async function sendCommand(io, bytes) {
  io.write(TIS.STS, STS.COMMAND_READY, 8);
  if (!(await waitForStatus(io, STS.COMMAND_READY, 5000)))
    throw new Error("TPM never became ready");
  for (const b of bytes) io.write(TIS.DATA_FIFO, b, 8);
  io.write(TIS.STS, STS.GO, 8);
}

/** Reads a complete response (after DATA_AVAIL); returns its bytes. */
export function readResponse(io) {
  const header = Array.from({ length: 10 }, () => io.read(TIS.DATA_FIFO, 8));
  const size = ((header[2] << 24) | (header[3] << 16) | (header[4] << 8) | header[5]) >>> 0;
  const rest = Array.from({ length: Math.max(0, size - 10) }, () => io.read(TIS.DATA_FIFO, 8));
  return [...header, ...rest];
}

export function responseCode(bytes) {
  return ((bytes[6] << 24) | (bytes[7] << 16) | (bytes[8] << 8) | bytes[9]) >>> 0;
}
