/**
 * The console protocol between L1's init and the host: one marker line when the command
 * starts, one with its exit status when it ends (preceded by a newline of its own, which
 * the host drops, so output without a final newline stays exactly as written).
 */
export const BED_MARKERS = {
  start: "@@PLATPASS-BED-START@@",
  exit: "@@PLATPASS-BED-EXIT",
  failed: "@@PLATPASS-BED-FAILED@@",
} as const;
