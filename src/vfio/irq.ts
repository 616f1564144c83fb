/**
 * One VFIO IRQ index, driven from JavaScript. `enable` hands the kernel an eventfd as the
 * trigger and watches it on Node's event loop: every kernel signal becomes a delivery (the
 * eventfd's counter since the previous one) and adds to `count`, without blocking anything.
 * Level IRQs (automasked) stay masked after each delivery until `unmask` (immediate) or a
 * write to the resample eventfd set with `unmaskOnEventfd` (what KVM does on guest EOI).
 */
import { VfioError } from "../errors.js";
import type { VfioIrqInfo } from "./decode.js";
import { call } from "./errors.js";
import type { VfioNative } from "./native.js";
import { IRQ_SET } from "./uapi.js";

interface Waiter {
  target: number;
  resolve: (count: number) => void;
}

export class IrqLine {
  #trigger: number | undefined;
  #resample: number | undefined;
  #count = 0;
  #deliveries: number[] = [];
  #waiters: Waiter[] = [];
  #error: string | undefined;

  constructor(
    private readonly native: VfioNative,
    private readonly deviceFd: number,
    readonly info: VfioIrqInfo,
    private readonly device: string,
  ) {}

  /** Signals received since `enable`. */
  get count(): number {
    return this.#count;
  }

  /** Each delivery's count, in order: [1, 1, 1] is three separate interrupts. */
  get deliveries(): readonly number[] {
    return this.#deliveries;
  }

  get enabled(): boolean {
    return this.#trigger !== undefined;
  }

  /** The trigger eventfd (for handing to a child process). */
  get triggerFd(): number | undefined {
    return this.#trigger;
  }

  #set(flags: number, data?: Int32Array): void {
    call(this.device, () =>
      this.native.setIrqs(this.deviceFd, this.info.index, flags, 0, data ? data.length : 1, data),
    );
  }

  enable(): void {
    if (this.#trigger !== undefined) return;
    const fd = call(this.device, () => this.native.eventfd());
    try {
      this.#set(IRQ_SET.ACTION_TRIGGER | IRQ_SET.DATA_EVENTFD, Int32Array.of(fd));
    } catch (e) {
      this.native.closeFd(fd);
      throw e;
    }
    this.#trigger = fd;
    this.native.watch(fd, (count, error) => this.#deliver(count, error));
  }

  #deliver(count: number, error: string | undefined): void {
    if (error) this.#error = error;
    else {
      this.#count += count;
      this.#deliveries.push(count);
    }
    const ready = this.#waiters.filter((w) => this.#count >= w.target || this.#error);
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(this.#count);
  }

  /** Fires the IRQ from software (DATA_NONE trigger): the kernel signals the eventfd once. */
  loopback(): void {
    this.#set(IRQ_SET.ACTION_TRIGGER | IRQ_SET.DATA_NONE);
  }

  mask(): void {
    this.#set(IRQ_SET.ACTION_MASK | IRQ_SET.DATA_NONE);
  }

  unmask(): void {
    this.#set(IRQ_SET.ACTION_UNMASK | IRQ_SET.DATA_NONE);
  }

  /** Makes a write to a resample eventfd unmask the IRQ; see `signalResample`. */
  unmaskOnEventfd(): void {
    if (this.#resample !== undefined) return;
    const fd = call(this.device, () => this.native.eventfd());
    try {
      this.#set(IRQ_SET.ACTION_UNMASK | IRQ_SET.DATA_EVENTFD, Int32Array.of(fd));
    } catch (e) {
      this.native.closeFd(fd);
      throw e;
    }
    this.#resample = fd;
  }

  /** Writes the resample eventfd, as KVM does on the guest's EOI. */
  signalResample(): void {
    const fd = this.#resample;
    if (fd === undefined) {
      throw new VfioError(
        "VFIO_NO_RESAMPLE",
        `IRQ ${this.info.index} of ${this.device} has no resample eventfd`,
        {
          hint: "Call unmaskOnEventfd() first.",
        },
      );
    }
    call(this.device, () => this.native.eventfdSignal(fd, 1));
  }

  /** Resolves with the count once it reaches `target`; rejects after `timeoutMs`. */
  waitForCount(target: number, timeoutMs: number): Promise<number> {
    if (this.#count >= target) return Promise.resolve(this.#count);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        target,
        resolve: (count) => {
          clearTimeout(timer);
          if (this.#error) reject(this.#pollError());
          else resolve(count);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new VfioError(
            "VFIO_IRQ_TIMEOUT",
            `IRQ ${this.info.index} of ${this.device}: count ${this.#count} after ${timeoutMs} ms, waiting for ${target}`,
            {
              where: this.device,
              hint: "The device did not interrupt: check that it is enabled to, that the IRQ is not masked (level IRQs need an unmask after each delivery), and the host DT's interrupts property.",
            },
          ),
        );
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  #pollError(): VfioError {
    return new VfioError(
      "VFIO_IRQ_POLL_FAILED",
      `polling the eventfd of IRQ ${this.info.index} failed: ${this.#error}`,
      {
        where: this.device,
      },
    );
  }

  /** Tears the kernel side down first (it holds the eventfds), then closes them. */
  disable(): void {
    if (this.#resample !== undefined) {
      const fd = this.#resample;
      this.#resample = undefined;
      try {
        this.#set(IRQ_SET.ACTION_UNMASK | IRQ_SET.DATA_EVENTFD, Int32Array.of(-1));
      } finally {
        this.native.closeFd(fd);
      }
    }
    if (this.#trigger !== undefined) {
      const fd = this.#trigger;
      this.#trigger = undefined;
      try {
        this.#set(IRQ_SET.ACTION_TRIGGER | IRQ_SET.DATA_EVENTFD, Int32Array.of(-1));
      } finally {
        this.native.unwatch(fd);
        this.native.closeFd(fd);
      }
    }
  }
}
