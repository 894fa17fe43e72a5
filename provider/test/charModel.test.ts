import { readFileSync } from "node:fs";

import { bytesToHex, sha256, stringToBytes } from "viem";
import { describe, expect, it } from "vitest";

import {
  BUILTIN_MODEL,
  BUILTIN_MODEL_MAX_TOKENS,
  BUILTIN_MODEL_ORDER,
  BUILTIN_RUNTIME_DESCRIPTION,
  generate,
  loadBuiltinModel,
  predictNext,
  runBuiltinModel,
  trainCharModel,
} from "../src/models/charModel.js";

const corpusBytes = readFileSync(new URL("../src/models/corpus.txt", import.meta.url));
const corpusText = new TextDecoder("utf-8", { fatal: true }).decode(corpusBytes);
const corpusChars = new Set(Array.from(corpusText));

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder("utf-8", { fatal: true }).decode(b);
const run = (prompt: string) => decode(runBuiltinModel(encode(prompt)));

const PROMPTS = ["The river", "The keeper", "In winter", "The old woman", "", "zzzq", "Hello, world!"];

describe("built-in model descriptor", () => {
  it("has the expected name, EXACT determinism and a runtime digest of the canonical description", () => {
    expect(BUILTIN_MODEL.name).toBe("depinfer-charlm-4");
    expect(BUILTIN_MODEL.determinism).toBe(0);
    expect(BUILTIN_MODEL.runtimeDigest).toBe(sha256(stringToBytes(BUILTIN_RUNTIME_DESCRIPTION)));
    expect(BUILTIN_RUNTIME_DESCRIPTION).toBe("depinfer-charlm/1 order=4 greedy tie=min-codepoint");
    expect(BUILTIN_MODEL.runtimeDigest).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("weightsHash is the sha256 of the corpus file bytes", () => {
    expect(BUILTIN_MODEL.weightsHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(BUILTIN_MODEL.weightsHash).toBe(sha256(corpusBytes));
    expect(BUILTIN_MODEL.weightsHash).toBe(sha256(bytesToHex(corpusBytes)));
  });

  it("the corpus is a few KB of text that the model was trained on", () => {
    expect(corpusBytes.length).toBeGreaterThan(2_000);
    const model = loadBuiltinModel();
    expect(model.order).toBe(BUILTIN_MODEL_ORDER);
    expect(model.order).toBe(4);
    // Unigram counts add up to the corpus length in code points.
    let total = 0;
    for (const count of model.counts.get("")!.values()) total += count;
    expect(total).toBe(Array.from(corpusText).length);
  });

  it("loadBuiltinModel trains once and caches", () => {
    expect(loadBuiltinModel()).toBe(loadBuiltinModel());
  });
});

describe("determinism", () => {
  it("the same input gives identical bytes across 50 calls", () => {
    for (const prompt of PROMPTS) {
      const first = runBuiltinModel(encode(prompt));
      for (let i = 0; i < 50; i++) {
        expect(runBuiltinModel(encode(prompt))).toEqual(first);
      }
    }
  });

  it("a freshly trained model gives the same bytes as the cached built-in model", () => {
    const fresh = trainCharModel(new TextDecoder().decode(readFileSync(new URL("../src/models/corpus.txt", import.meta.url))), {
      order: 4,
    });
    for (const prompt of PROMPTS) {
      const freshBytes = encode(generate(fresh, prompt, { maxTokens: BUILTIN_MODEL_MAX_TOKENS }));
      expect(runBuiltinModel(encode(prompt))).toEqual(freshBytes);
    }
  });

  it("the count tables hold integers only", () => {
    for (const table of loadBuiltinModel().counts.values()) {
      for (const count of table.values()) {
        expect(Number.isSafeInteger(count)).toBe(true);
        expect(count).toBeGreaterThan(0);
      }
    }
  });

  it("invalid UTF-8 input is handled deterministically", () => {
    const bad = new Uint8Array([0xff, 0xfe, 0x41, 0xc3]);
    const first = runBuiltinModel(bad);
    expect(first.length).toBeGreaterThan(0);
    expect(runBuiltinModel(bad)).toEqual(first);
    for (const ch of decode(first)) expect(corpusChars.has(ch)).toBe(true);
  });
});

describe("plausible continuation", () => {
  it("is non-empty, at most maxTokens long and uses only characters from the corpus", () => {
    for (const prompt of PROMPTS) {
      const output = run(prompt);
      const chars = Array.from(output);
      expect(chars.length).toBeGreaterThan(0);
      expect(chars.length).toBeLessThanOrEqual(BUILTIN_MODEL_MAX_TOKENS);
      for (const ch of chars) expect(corpusChars.has(ch)).toBe(true);
    }
  });

  it("depends on the prompt", () => {
    expect(run("The keeper")).not.toBe(run("In winter"));
    expect(run("The old woman")).not.toBe(run("The children"));
    expect(new Set(PROMPTS.map(run)).size).toBeGreaterThan(1);
  });

  it("continues a seen context with what the corpus says", () => {
    // In the corpus, "lighthous" is always followed by "e".
    expect(run("the lighthous").startsWith("e")).toBe(true);
    const model = loadBuiltinModel();
    expect(predictNext(model, Array.from("thous"))).toEqual({ char: "e", contextLength: 4 });
  });
});

describe("back-off", () => {
  it("backs off to a shorter context when the longest one is unseen", () => {
    const model = loadBuiltinModel();
    // "zzzq", "zzq" and "zq" never occur in the corpus, but "q" does (always followed by "u").
    expect(model.counts.has("zzzq")).toBe(false);
    expect(model.counts.has("zq")).toBe(false);
    expect(predictNext(model, Array.from("zzzq"))).toEqual({ char: "u", contextLength: 1 });
    expect(run("zzzq").startsWith("u")).toBe(true);
  });

  it("backs off to the unigram counts when no context character was ever seen", () => {
    const model = loadBuiltinModel();
    const prediction = predictNext(model, Array.from("@#%&"));
    expect(prediction?.contextLength).toBe(0);
    expect(prediction).toEqual(predictNext(model, []));
    const output = run("@#%&");
    expect(output.length).toBeGreaterThan(0);
    for (const ch of output) expect(corpusChars.has(ch)).toBe(true);
  });

  it("on a small model: longest match first, then back-off, ties to the smallest code point", () => {
    // "xab" is followed by "c" once; "ab" is followed by "d" twice and by "c" once.
    const model = trainCharModel("abd abd xabc", { order: 3 });
    expect(predictNext(model, Array.from("xab"))).toEqual({ char: "c", contextLength: 3 });
    expect(predictNext(model, Array.from("zab"))).toEqual({ char: "d", contextLength: 2 });
    // "q" is unseen: unigram counts a:3 b:3 space:2 d:2 x:1 c:1 -> tie between "a" and "b" goes to "a".
    expect(predictNext(model, Array.from("q"))).toEqual({ char: "a", contextLength: 0 });
    // A tie between code points, not UTF-16 units: U+1F600 (surrogate pair) loses to U+FF01.
    const wide = trainCharModel("s\u{1F600}s\uFF01", { order: 1 });
    expect(predictNext(wide, ["s"])).toEqual({ char: "\uFF01", contextLength: 1 });
  });
});

describe("stopping rule", () => {
  const model = trainCharModel("abcdefghijklmnopqrstuvwxyz.", { order: 4 });

  it("stops at a '.' once at least 20 characters were generated", () => {
    expect(generate(model, "a", { maxTokens: 80 })).toBe("bcdefghijklmnopqrstuvwxyz.");
  });

  it("does not stop at a '.' before 20 characters", () => {
    // After "z." nothing was seen, so the model backs off to unigrams, where every count is 1 and the
    // smallest code point, ".", wins, until the 20th character.
    expect(generate(model, "t", { maxTokens: 80 })).toBe("uvwxyz." + ".".repeat(13));
  });

  it("stops at maxTokens", () => {
    expect(generate(model, "a", { maxTokens: 5 })).toBe("bcdef");
    expect(generate(model, "a", { maxTokens: 0 })).toBe("");
    expect(() => generate(model, "a", { maxTokens: -1 })).toThrow(RangeError);
    expect(() => generate(model, "a", { maxTokens: 1.5 })).toThrow(RangeError);
  });
});
