// The in-bed script reports through the console as one marked JSON line; the outer test
// finds it among whatever else the console carried.
export const RESULT_MARKER = "PLATPASS-VFIO-RESULT ";

export function printResult(value) {
  const json = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));
  process.stdout.write(`\n${RESULT_MARKER}${json}\n`);
}

export function parseResult(output) {
  const line = output
    .split(/\r?\n/)
    .reverse()
    .find((l) => l.startsWith(RESULT_MARKER));
  if (!line)
    throw new Error(`no ${RESULT_MARKER.trim()} line in the output:\n${output.slice(-3000)}`);
  return JSON.parse(line.slice(RESULT_MARKER.length).trim());
}
