/**
 * vfio-platform refuses a device without a reset handler for its first `compatible`
 * unless loaded with reset_required=0. The handlers are separate modules (all three
 * deprecated in Linux 6.18), found by the alias "vfio-reset:<compatible>".
 */
export const RESET_MODULES: Readonly<Record<string, string>> = {
  "calxeda,hb-xgmac": "vfio-platform-calxedaxgmac",
  "amd,xgbe-seattle-v1a": "vfio-platform-amdxgbe",
  "brcm,iproc-flexrm-mbox": "vfio-platform-bcmflexrm",
};

/** The reset module for a device, by its first compatible as vfio-platform looks it up. */
export function resetModuleFor(compatible: string[]): string | undefined {
  const first = compatible[0];
  return first === undefined ? undefined : RESET_MODULES[first];
}
