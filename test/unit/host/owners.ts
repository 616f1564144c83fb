/**
 * Lock and journal owners without starting a process (the unit lane starts none). Linux gives
 * out pids below pid_max, which is at most 4194304 (PID_MAX_LIMIT), so no process ever has
 * that pid: kill(2) answers ESRCH for it exactly as for an owner that has exited.
 */
export const GONE_PID = 4_194_304;

/** A live process other than this one: the test runner that started this worker. */
export const OTHER_LIVE_PID = process.ppid;
