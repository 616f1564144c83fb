/**
 * A QMP client over QEMU's UNIX socket (`-qmp unix:PATH,server=on,wait=off`): reads the
 * greeting, negotiates capabilities, runs commands with ids and timeouts, records events,
 * and passes HMP command lines through `human-monitor-command`.
 * QEMU's own error classes become QmpError values with a stable code per class.
 */
import { createConnection, type Socket } from "node:net";
import { QemuError } from "../errors.js";

export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

/** QEMU's error classes (qapi/error.json); anything newer maps to QMP_ERROR. */
const ERROR_CODES: Record<string, string> = {
  GenericError: "QMP_GENERIC_ERROR",
  CommandNotFound: "QMP_COMMAND_NOT_FOUND",
  DeviceNotActive: "QMP_DEVICE_NOT_ACTIVE",
  DeviceNotFound: "QMP_DEVICE_NOT_FOUND",
  KVMMissingCap: "QMP_KVM_MISSING_CAP",
};

/** QEMU answered a command with an error. */
export class QmpError extends QemuError {
  /** QEMU's error class, e.g. "DeviceNotFound". */
  readonly qmpClass: string;
  readonly command: string;
  constructor(command: string, qmpClass: string, desc: string) {
    super(ERROR_CODES[qmpClass] ?? "QMP_ERROR", `QEMU refused '${command}': ${desc}`, {
      where: `QMP ${command}`,
      hint: `QEMU's error class is ${qmpClass}.`,
    });
    this.qmpClass = qmpClass;
    this.command = command;
  }
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface QmpOptions {
  /** How long to wait for each answer; 30 s unless told. */
  timeoutMs?: number;
}

type Message = Record<string, unknown>;

export class QmpClient {
  readonly greeting: QmpGreeting;
  /** Every event received, in order; `waitForEvent({after})` indexes into this. */
  readonly events: QmpEvent[] = [];
  private readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(e: QmpEvent) => void>();
  private nextId = 1;
  private closedError: Error | undefined;
  private readonly defaultTimeoutMs: number;

  private constructor(socket: Socket, greeting: QmpGreeting, timeoutMs: number) {
    this.socket = socket;
    this.greeting = greeting;
    this.defaultTimeoutMs = timeoutMs;
  }

  /** Connects, reads the greeting and leaves negotiation mode (`qmp_capabilities`). */
  static async connect(socketPath: string, options: QmpOptions = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const socket = createConnection(socketPath);
    const lines = lineReader(socket);
    const greeting = await withTimeout(
      new Promise<QmpGreeting>((resolve, reject) => {
        socket.once("error", (e) =>
          reject(
            new QemuError("QMP_CONNECT_FAILED", `cannot connect to QMP at ${socketPath}`, {
              where: socketPath,
              cause: e,
              hint: "Is QEMU running with -qmp unix:PATH,server=on,wait=off?",
            }),
          ),
        );
        lines.once((line) => {
          const greeting = parseMessage(line)?.QMP as QmpGreeting | undefined;
          if (greeting) resolve(greeting);
          else {
            socket.destroy();
            reject(
              new QemuError("QMP_BAD_GREETING", `${socketPath} did not greet like QMP`, {
                where: socketPath,
                hint: `It sent: ${line.slice(0, 200)}`,
              }),
            );
          }
        });
      }),
      timeoutMs,
      () => {
        socket.destroy();
        return new QemuError("QMP_TIMEOUT", `no QMP greeting within ${timeoutMs} ms`, {
          where: socketPath,
        });
      },
    );
    const client = new QmpClient(socket, greeting, timeoutMs);
    lines.each((line) => {
      const message = parseMessage(line);
      if (message) client.receive(message);
    });
    socket.on("error", (e) => client.shutDown(e));
    socket.on("close", () => client.shutDown(undefined));
    await client.execute("qmp_capabilities");
    return client;
  }

  /** Runs one command; resolves with its `return`, rejects with QmpError or a timeout. */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    options: QmpOptions = {},
  ): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = `platpass-${this.nextId++}`;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new QemuError("QMP_TIMEOUT", `QEMU did not answer '${command}' within ${timeoutMs} ms`, {
            where: `QMP ${command}`,
            hint: "QEMU may be stuck or the machine heavily loaded; a longer timeout may help.",
          }),
        );
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      const message = args ? { execute: command, arguments: args, id } : { execute: command, id };
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Runs an HMP command line (e.g. "info mtree -f") and returns its text output. */
  hmp(commandLine: string, options: QmpOptions = {}): Promise<string> {
    return this.execute<string>("human-monitor-command", { "command-line": commandLine }, options);
  }

  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => {
      this.eventListeners.delete(listener);
    };
  }

  /**
   * The first event named `name` at index >= `after` in `events` (default: from now on).
   * Take `after = client.events.length` before the command that causes the event.
   */
  waitForEvent(name: string, options: QmpOptions & { after?: number } = {}): Promise<QmpEvent> {
    const earlier = this.events.slice(options.after ?? this.events.length);
    const seen = earlier.find((e) => e.event === name);
    if (seen) return Promise.resolve(seen);
    if (this.closedError) return Promise.reject(this.closedError);
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    let off: () => void = () => {};
    return withTimeout(
      new Promise<QmpEvent>((resolve) => {
        off = this.onEvent((e) => {
          if (e.event === name) resolve(e);
        });
      }),
      timeoutMs,
      () => new QemuError("QMP_TIMEOUT", `no ${name} event within ${timeoutMs} ms`),
    ).finally(() => off());
  }

  /** Closes the connection (QEMU keeps running). */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private receive(message: Message): void {
    if (typeof message.event === "string") {
      const event = message as unknown as QmpEvent;
      this.events.push(event);
      for (const l of this.eventListeners) l(event);
      return;
    }
    const id = typeof message.id === "string" ? message.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if ("error" in message) {
      const e = message.error as { class: string; desc: string };
      p.reject(new QmpError(p.command, e.class, e.desc));
    } else {
      p.resolve(message.return);
    }
  }

  private shutDown(cause: Error | undefined): void {
    if (this.closedError) return;
    this.closedError = new QemuError("QMP_DISCONNECTED", "the QMP connection to QEMU closed", {
      cause,
      hint: "QEMU exited or closed its monitor; its stderr says why.",
    });
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(this.closedError);
    }
    this.pending.clear();
  }
}

/** Splits a socket's data into lines; `once` takes the first, `each` every later one. */
function lineReader(socket: Socket) {
  let buffer = "";
  let first: ((line: string) => void) | undefined;
  let rest: ((line: string) => void) | undefined;
  const queued: string[] = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      if (first) {
        const f = first;
        first = undefined;
        f(line);
      } else if (rest) rest(line);
      else queued.push(line);
    }
  });
  return {
    once(f: (line: string) => void) {
      first = f;
    },
    each(f: (line: string) => void) {
      rest = f;
      for (const line of queued.splice(0)) f(line);
    },
  };
}

/** One line of QMP; anything that is not a JSON object is dropped (QMP sends nothing else). */
function parseMessage(line: string): Message | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Message) : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
