// The provider node's structured logger: pino, one JSON object per line,
// `{"time":"…","level":"info","msg":"…",...fields}`, behind the node's `log.info(msg, fields)` call
// shape. Before pino serialises a line, its fields go through `toLoggable`: bigints become decimal
// strings (pino's serialiser would write them as bare numbers, which JSON readers round), Errors
// `{ name, message, shortMessage?, stack? }` without viem's version line, and fields whose name looks
// secret (privateKey, password, apiKey, secret, mnemonic) "<REDACTED>" at any depth (pino's `redact`
// needs every path spelled out). `pretty` renders pino's lines readably, for a terminal.
// `progressLine` renders the one-line summary shown on a terminal.
import { pino, type Logger as PinoLogger } from "pino";
import { formatUnits } from "viem";

import { cleanErrorText } from "./errors.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LogStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
}

export interface Logger {
  readonly level: LogLevel | "silent";
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface CreateLoggerParameters {
  /** Where lines go. Defaults to `process.stdout`. */
  stream?: LogStream | undefined;
  /** The lowest level written. Defaults to `"info"`. */
  level?: LogLevel | "silent" | undefined;
  /** Readable lines (`12:00:00 INFO  msg key=value`) instead of JSON. Defaults to false. */
  pretty?: boolean | undefined;
  /** Fields on every line (e.g. `{ node: "provider" }`). */
  base?: LogFields | undefined;
  /** The clock, for tests. */
  now?: (() => Date) | undefined;
}

const SECRET_KEY = /private.?key|password|passphrase|secret|mnemonic|api.?key|authorization/i;
export const REDACTED_FIELD = "<REDACTED>";

/** Makes a value JSON-safe: bigints to strings, Errors to plain objects, cycles cut, secret-looking keys redacted. */
export function toLoggable(value: unknown, seen: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[Circular]";
  if (depth > 8) return "[Too deep]";
  seen.add(value);
  try {
    if (value instanceof Error) {
      const e = value as Error & { shortMessage?: string; code?: unknown; cause?: unknown };
      return {
        name: e.name,
        message: cleanErrorText(e.message),
        ...(e.shortMessage !== undefined && { shortMessage: cleanErrorText(e.shortMessage) }),
        ...(e.code !== undefined && { code: toLoggable(e.code, seen, depth + 1) }),
        ...(e.stack !== undefined && { stack: cleanErrorText(e.stack) }),
        ...(e.cause !== undefined && { cause: toLoggable(e.cause, seen, depth + 1) }),
      };
    }
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString("hex")}`;
    if (value instanceof Map) return toLoggable(Object.fromEntries(value), seen, depth + 1);
    if (value instanceof Set) return toLoggable([...value], seen, depth + 1);
    if (Array.isArray(value)) return value.map((v) => toLoggable(v, seen, depth + 1) ?? null);
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return toLoggable((value as { toJSON(): unknown }).toJSON(), seen, depth + 1);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const loggable = SECRET_KEY.test(k) && v !== undefined && v !== null ? REDACTED_FIELD : toLoggable(v, seen, depth + 1);
      if (loggable !== undefined) out[k] = loggable;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** `createLogger({ level: "debug" }).info("job accepted", { job: 12n })` writes `{"time":…,"level":"info","msg":"job accepted","job":"12"}`. */
export function createLogger(parameters: CreateLoggerParameters = {}): Logger {
  const { stream = process.stdout, level = "info", pretty = false, base = {}, now = () => new Date() } = parameters;
  if (!(level in LEVELS)) throw new TypeError(`Unknown log level ${JSON.stringify(level)}: expected debug, info, warn, error or silent.`);
  const destination = pretty
    ? {
        write(line: string) {
          const { time, level: lvl, msg, ...fields } = JSON.parse(line) as { time: string; level: LogLevel; msg: string } & Record<string, unknown>;
          stream.write(prettyLine(new Date(time), lvl, msg, fields));
        },
      }
    : stream;
  const root = pino(
    {
      level,
      base: null,
      messageKey: "msg",
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as { write(chunk: string): void },
  );

  const make = (bound: LogFields, logger: PinoLogger): Logger => {
    const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
      if (!logger.isLevelEnabled(lvl)) return;
      const extra = toLoggable({ ...bound, ...fields }) as Record<string, unknown>;
      // time, level and msg are pino's and cannot be overwritten by fields.
      for (const reserved of ["time", "level", "msg"]) delete extra[reserved];
      // The message first, then the fields (pino would put a message argument last): readers that
      // match `"msg":"…","field":…` keep working, and a line reads in the order it was written.
      logger[lvl]({ msg: String(msg), ...extra });
    };
    return {
      level,
      debug: (msg, fields) => write("debug", msg, fields),
      info: (msg, fields) => write("info", msg, fields),
      warn: (msg, fields) => write("warn", msg, fields),
      error: (msg, fields) => write("error", msg, fields),
      child: (fields) => make({ ...bound, ...fields }, logger),
      isLevelEnabled: (lvl) => logger.isLevelEnabled(lvl),
    };
  };
  return make(base, root);
}

function prettyLine(time: Date, level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  const hhmmss = time.toISOString().slice(11, 19);
  const rest = Object.entries(fields)
    .map(([k, v]) => {
      if (k === "err" || k === "error") {
        const e = v as { shortMessage?: string; message?: string } | string;
        return `${k}=${JSON.stringify(typeof e === "string" ? e : (e?.shortMessage ?? e?.message ?? e))}`;
      }
      return `${k}=${typeof v === "string" && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`;
    })
    .join(" ");
  return `${hhmmss} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? ` ${rest}` : ""}\n`;
}

// ---------------------------------------------------------------------------------------------
// Progress line
// ---------------------------------------------------------------------------------------------

export interface ProgressStats {
  /** Jobs seen on-chain for the models served. */
  seen: number | bigint;
  accepted: number | bigint;
  submitted: number | bigint;
  finalized: number | bigint;
  /** Jobs that failed (optional). */
  failed?: number | bigint | undefined;
  /** Jobs running now (optional). */
  running?: number | bigint | undefined;
  /** Earnings ready to claim, in the token's smallest unit; or one entry per token. */
  claimable: bigint | string | readonly { amount: bigint | string; symbol?: string; decimals?: number }[];
  /** Used to format a single `claimable` amount. */
  symbol?: string | undefined;
  decimals?: number | undefined;
  /** The last block the node processed. */
  lastBlock?: bigint | number | undefined;
}

function amount(value: bigint | string, decimals?: number, symbol?: string) {
  const n = typeof value === "bigint" ? value : BigInt(value);
  const text = decimals === undefined ? n.toString() : formatUnits(n, decimals);
  return symbol ? `${text} ${symbol}` : text;
}

/**
 * One readable line summarising the node, e.g.
 * `block 1234 | jobs seen 10 accepted 8 submitted 7 finalized 5 | claimable 1.5 DPI`.
 */
export function progressLine(stats: ProgressStats): string {
  const jobs = [`seen ${stats.seen}`, `accepted ${stats.accepted}`, `submitted ${stats.submitted}`, `finalized ${stats.finalized}`];
  if (stats.running !== undefined) jobs.push(`running ${stats.running}`);
  if (stats.failed !== undefined) jobs.push(`failed ${stats.failed}`);
  const claimable = Array.isArray(stats.claimable)
    ? stats.claimable.length === 0
      ? "0"
      : (stats.claimable as Exclude<ProgressStats["claimable"], bigint | string>).map((c) => amount(c.amount, c.decimals, c.symbol)).join(", ")
    : amount(stats.claimable as bigint | string, stats.decimals, stats.symbol);
  return [`block ${stats.lastBlock ?? "-"}`, `jobs ${jobs.join(" ")}`, `claimable ${claimable}`].join(" | ");
}

/**
 * Keeps the progress line at the bottom of a terminal: `update` rewrites it in place when the stream
 * is a TTY and does nothing otherwise (logs then stay pure JSON lines).
 */
export function createProgress(stream: LogStream = process.stdout) {
  const enabled = stream.isTTY === true;
  return {
    enabled,
    update(stats: ProgressStats) {
      if (enabled) stream.write(`\r\x1b[2K${progressLine(stats)}`);
    },
    /** Clears the line (call before writing a log line to the same terminal). */
    clear() {
      if (enabled) stream.write("\r\x1b[2K");
    },
  };
}
