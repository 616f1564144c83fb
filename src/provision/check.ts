/** One line of `platpass doctor`: a fact about this machine, and the roles that need it. */
import type { Role } from "./packages.js";

export interface Check {
  /** Which roles need this to pass. */
  roles: Role[];
  name: string;
  ok: boolean;
  detail: string;
  /** The command or step that fixes it, when it fails. */
  fix?: string;
}
