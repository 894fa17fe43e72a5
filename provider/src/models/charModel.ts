// Node-only: reads its training corpus from the file system. Never import this from the browser entry point.
//
// The built-in inference model of the Depinfer provider node: a character-level order-k n-gram language
// model trained in-process from `corpus.txt`, which ships next to this module (no download, no GPU).
//
// Everything is integer arithmetic on counts: no floating point, no randomness, no clock and no
// locale-dependent calls. Characters are handled as Unicode code points and compared by their numeric
// code point, so the same prompt gives the same output bytes on every machine (determinism profile EXACT).
import { readFileSync } from "node:fs";

import { sha256, stringToBytes, type Hex } from "viem";

/** The count tables of a trained model. */
export interface CharModel {
  /** The longest context length used for prediction (the "k" of the order-k model). */
  readonly order: number;
  /**
   * For every context of 0..order code points seen in the training text, the integer count of each
   * code point that followed it. The empty context "" holds the unigram counts.
   */
  readonly counts: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface TrainCharModelOptions {
  /** The longest context length, in code points (a positive integer). */
  order: number;
}

export interface GenerateOptions {
  /** The largest number of code points to generate (a non-negative integer). */
  maxTokens: number;
}

/** One prediction: the chosen next code point and the length of the context it was found under. */
export interface Prediction {
  readonly char: string;
  /** How many code points of context were used (order when nothing was backed off, 0 for unigrams). */
  readonly contextLength: number;
}

/** Stop at a "." once at least this many code points have been generated. */
export const MIN_CHARS_BEFORE_STOP = 20;

function assertNonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
}

/** Splits a string into code points (a lone surrogate stays one element). */
function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Builds the integer count tables of an order-k character model from `text`. */
export function trainCharModel(text: string, options: TrainCharModelOptions): CharModel {
  const { order } = options;
  assertNonNegativeInteger("order", order);
  if (order === 0) throw new RangeError("order must be at least 1");

  const chars = codePoints(text);
  const counts = new Map<string, Map<string, number>>();
  for (let i = 0; i < chars.length; i++) {
    const next = chars[i]!;
    const longest = i < order ? i : order;
    for (let n = 0; n <= longest; n++) {
      const context = chars.slice(i - n, i).join("");
      let table = counts.get(context);
      if (table === undefined) {
        table = new Map<string, number>();
        counts.set(context, table);
      }
      table.set(next, (table.get(next) ?? 0) + 1);
    }
  }
  return { order, counts };
}

/** The code point with the highest count; ties go to the smallest code point. */
function argmax(table: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  let bestCodePoint = 0;
  for (const [char, count] of table) {
    const codePoint = char.codePointAt(0)!;
    if (best === undefined || count > bestCount || (count === bestCount && codePoint < bestCodePoint)) {
      best = char;
      bestCount = count;
      bestCodePoint = codePoint;
    }
  }
  return best;
}

/**
 * Predicts the next code point after `history` (an array of code points): tries the longest context
 * (the last `order` code points), and backs off to shorter ones while a context was never seen.
 * Returns undefined only for a model trained on empty text.
 */
export function predictNext(model: CharModel, history: readonly string[]): Prediction | undefined {
  const longest = history.length < model.order ? history.length : model.order;
  for (let n = longest; n >= 0; n--) {
    const table = model.counts.get(history.slice(history.length - n).join(""));
    if (table === undefined || table.size === 0) continue;
    const char = argmax(table);
    if (char !== undefined) return { char, contextLength: n };
  }
  return undefined;
}

/**
 * Greedily continues `prompt`: at each step the next code point with the highest count for the longest
 * seen context (ties to the smallest code point). Stops after `maxTokens` code points, or at a "." once
 * at least MIN_CHARS_BEFORE_STOP code points have been generated. Returns only the continuation.
 */
export function generate(model: CharModel, prompt: string, options: GenerateOptions): string {
  const { maxTokens } = options;
  assertNonNegativeInteger("maxTokens", maxTokens);

  const history = codePoints(prompt);
  const output: string[] = [];
  while (output.length < maxTokens) {
    const prediction = predictNext(model, history);
    if (prediction === undefined) break;
    output.push(prediction.char);
    history.push(prediction.char);
    if (prediction.char === "." && output.length >= MIN_CHARS_BEFORE_STOP) break;
  }
  return output.join("");
}

// ---------------------------------------------------------------------------------------------------
// The built-in model.

export const BUILTIN_MODEL_ORDER = 4;
export const BUILTIN_MODEL_MAX_TOKENS = 80;
/** The canonical description of the runtime; its sha256 is the model's runtimeDigest. */
export const BUILTIN_RUNTIME_DESCRIPTION = "depinfer-charlm/1 order=4 greedy tie=min-codepoint";

/** Where the training corpus lives: next to this module (in src/ and, once copied, in dist/). */
export const BUILTIN_CORPUS_URL = new URL("./corpus.txt", import.meta.url);

// Read once at import, so the hash and the training both use exactly the same bytes.
const corpusBytes: Uint8Array = readFileSync(BUILTIN_CORPUS_URL);

/** The on-chain description of the built-in model (as registered with the JobMarket). */
export const BUILTIN_MODEL = Object.freeze({
  name: "depinfer-charlm-4",
  /** sha256 of the corpus bytes: the "weights" are fully determined by them. */
  weightsHash: sha256(corpusBytes) as Hex,
  runtimeDigest: sha256(stringToBytes(BUILTIN_RUNTIME_DESCRIPTION)) as Hex,
  determinism: 0 as const /* EXACT */,
});

let cachedModel: CharModel | undefined;

/** Trains the built-in model from the shipped corpus on first use, then returns the cached model. */
export function loadBuiltinModel(): CharModel {
  if (cachedModel === undefined) {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(corpusBytes);
    cachedModel = trainCharModel(text, { order: BUILTIN_MODEL_ORDER });
  }
  return cachedModel;
}

/**
 * Runs the built-in model on a job input: a UTF-8 prompt in, the UTF-8 continuation out (at most
 * BUILTIN_MODEL_MAX_TOKENS code points). Invalid UTF-8 in the prompt decodes to U+FFFD, deterministically.
 */
export function runBuiltinModel(input: Uint8Array): Uint8Array {
  const prompt = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(input);
  const output = generate(loadBuiltinModel(), prompt, { maxTokens: BUILTIN_MODEL_MAX_TOKENS });
  return new TextEncoder().encode(output);
}
