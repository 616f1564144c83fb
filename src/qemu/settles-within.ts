/**
 * Whether `done` settles within `ms`. The timer is cleared as soon as it does: a pending one
 * keeps the process alive for the rest of the wait, which left `platpass qemu probe` running
 * 10 s after QEMU had quit and a stopped launch for the rest of its grace.
 */
export async function settlesWithin(done: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    done.then(() => true),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}
