import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { createBuiltinBackend } from "../src/backends/builtin.js";
import {
  CHAT_TEMPLATE_TOKENS,
  createOpenAIBackend,
  InferenceBackendConfigError,
  InferenceBackendEmptyOutputError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  InferenceBackendTooLargeError,
} from "../src/backends/openai.js";
import { DepinferError } from "depinfer";
import { checkInput, inputTokenBound } from "../src/inputLimits.js";
import { runBuiltinModel } from "../src/models/charModel.js";

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder("utf-8", { fatal: true }).decode(b);

describe("built-in backend", () => {
  it("is deterministic and returns the built-in model's bytes", async () => {
    const backend = createBuiltinBackend();
    expect(backend.name).toBe("builtin:depinfer-charlm-4");
    for (const prompt of ["The river", "In winter", "", "Hello, world!"]) {
      const input = encode(prompt);
      const a = await backend.infer(input);
      const b = await createBuiltinBackend().infer(input);
      expect(a).toBeInstanceOf(Uint8Array);
      expect(b).toEqual(a);
      expect(a).toEqual(runBuiltinModel(input));
    }
    expect((await backend.infer(encode("The river"))).length).toBeGreaterThan(0);
  });

  it("rejects with the reason of an already aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(createBuiltinBackend().infer(encode("x"), { signal: controller.signal })).rejects.toThrow("stop");
  });
});

// ---------------------------------------------------------------------------------------------
// A real local HTTP server.

interface Recorded {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

let server: Server | undefined;

/** This file's port for its servers (one at a time); 0 would pick any free one. */
const PORT = 18723;

async function startServer(handler: Handler, port = PORT): Promise<{ baseUrl: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      handler(req, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
  const { port: listening } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${listening}`, requests };
}

async function closeServer() {
  if (server === undefined) return;
  const s = server;
  server = undefined;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

afterEach(closeServer);

const completion = (content: string) =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  });

function send(res: ServerResponse, status: number, body: string, contentType = "application/json"): void {
  res.writeHead(status, { "content-type": contentType });
  res.end(body);
}

describe("OpenAI-compatible backend", () => {
  it("sends the exact request and returns the first choice's content as UTF-8", async () => {
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 200, completion("Blue — because of Rayleigh scattering. ☀")));
    const backend = createOpenAIBackend({ baseUrl: `${baseUrl}/`, model: "llama3.2", apiKey: "sk-test", maxTokens: 64 });
    expect(backend.name).toBe("openai:llama3.2");

    const output = await backend.infer(encode("Why is the sky blue? ü"));
    expect(decode(output)).toBe("Blue — because of Rayleigh scattering. ☀");

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/v1/chat/completions");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["accept"]).toBe("application/json");
    expect(request!.headers["authorization"]).toBe("Bearer sk-test");
    expect(JSON.parse(request!.body)).toEqual({
      model: "llama3.2",
      messages: [{ role: "user", content: "Why is the sky blue? ü" }],
      max_tokens: 64,
      temperature: 0,
      seed: 0,
    });
  });

  it("sends no Authorization header without an apiKey, and leaves max_tokens to the server when not given", async () => {
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 200, completion(".")));
    const output = await createOpenAIBackend({ baseUrl, model: "m", temperature: 0.5 }).infer(encode("hi"));
    expect(decode(output)).toBe(".");
    expect(requests[0]!.headers["authorization"]).toBeUndefined();
    expect(JSON.parse(requests[0]!.body)).toEqual({ model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0.5, seed: 0 });
  });

  it("retries a 500 and succeeds on the following 200", async () => {
    const { baseUrl, requests } = await startServer((_req, res, i) =>
      i === 0 ? send(res, 500, "model is loading", "text/plain") : send(res, 200, completion("ok")),
    );
    const output = await createOpenAIBackend({ baseUrl, model: "m", retryDelayMs: 1 }).infer(encode("hi"));
    expect(decode(output)).toBe("ok");
    expect(requests).toHaveLength(2);
    expect(requests[1]!.body).toBe(requests[0]!.body);
  });

  it("gives up on a persistent 503 after 2 retries with a retryable InferenceBackendHttpError", async () => {
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 503, "overloaded", "text/plain"));
    const error = await createOpenAIBackend({ baseUrl, model: "m", retryDelayMs: 1 }).infer(encode("hi")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceBackendHttpError);
    expect(requests).toHaveLength(3);
    const httpError = error as InferenceBackendHttpError;
    expect(httpError.status).toBe(503);
    expect(httpError.retryable).toBe(true);
    expect(httpError.attempts).toBe(3);
    expect(httpError.shortMessage).toContain("retrying later may succeed");
  });

  it("keeps credentials in the backend's URL out of its errors (userinfo, query values, token-like path segments)", async () => {
    const { baseUrl } = await startServer((_req, res) => send(res, 400, "no"));
    // An HTTP error from a URL with a key in its path and query.
    const keyed = `${baseUrl}/proxy/tok3nAbCdEfGhIjKlMnOpQr5?key=sk-live-123`;
    const http = await createOpenAIBackend({ baseUrl: keyed, model: "m", retryDelayMs: 1 }).infer(encode("hi")).catch((e: unknown) => e);
    expect(http).toBeInstanceOf(InferenceBackendHttpError);
    // A network error from a URL with credentials in it (fetch refuses those outright).
    const withUser = baseUrl.replace("http://", "http://operator:hunter2@");
    const network = await createOpenAIBackend({ baseUrl: withUser, model: "m", retryDelayMs: 1, maxRetries: 0 }).infer(encode("hi")).catch((e: unknown) => e);
    expect(network).toBeInstanceOf(DepinferError);
    for (const error of [http, network] as (Error & { url: string })[]) {
      const text = `${error.message}\n${error.url}`;
      for (const secret of ["hunter2", "operator", "sk-live-123", "tok3nAbCdEfGhIjKlMnOpQr5"]) expect(text).not.toContain(secret);
      expect(text).toContain("REDACTED");
    }
  });

  it("does not retry a 400, and throws InferenceBackendHttpError with the status and a body excerpt", async () => {
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 400, JSON.stringify({ error: { message: "unknown model 'm'" } })));
    const error = await createOpenAIBackend({ baseUrl, model: "m", apiKey: "sk-secret", retryDelayMs: 1 })
      .infer(encode("hi"))
      .catch((e: unknown) => e);
    expect(requests).toHaveLength(1);
    expect(error).toBeInstanceOf(InferenceBackendHttpError);
    expect(error).toBeInstanceOf(DepinferError);
    const httpError = error as InferenceBackendHttpError;
    expect(httpError.name).toBe("InferenceBackendHttpError");
    expect(httpError.status).toBe(400);
    expect(httpError.retryable).toBe(false);
    expect(httpError.attempts).toBe(1);
    expect(httpError.body).toContain("unknown model 'm'");
    expect(httpError.url).toBe(`${baseUrl}/v1/chat/completions`);
    expect(httpError.shortMessage).toContain("HTTP 400");
    expect(httpError.shortMessage).toContain("will not help");
    expect(httpError.message).not.toContain("sk-secret");
  });

  it("throws InferenceBackendResponseError on malformed JSON, without retrying", async () => {
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 200, "<html>not json", "text/html"));
    const error = await createOpenAIBackend({ baseUrl, model: "m" }).infer(encode("hi")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceBackendResponseError);
    expect((error as InferenceBackendResponseError).reason).toBe("the body is not valid JSON");
    expect((error as InferenceBackendResponseError).body).toBe("<html>not json");
    expect(requests).toHaveLength(1);
  });

  it("throws InferenceBackendResponseError when there are no choices", async () => {
    const { baseUrl } = await startServer((_req, res) => send(res, 200, JSON.stringify({ choices: [] })));
    const error = await createOpenAIBackend({ baseUrl, model: "m" }).infer(encode("hi")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceBackendResponseError);
    expect((error as InferenceBackendResponseError).reason).toBe("its choices array is empty");
  });

  it("throws InferenceBackendEmptyOutputError, without retrying, for an answer with no content (empty or null)", async () => {
    for (const content of ["", null]) {
      const { baseUrl, requests } = await startServer((_req, res) =>
        send(res, 200, JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "length" }] })),
      );
      const error = await createOpenAIBackend({ baseUrl, model: "m" }).infer(encode("a prompt that fills the context")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InferenceBackendEmptyOutputError);
      expect((error as InferenceBackendEmptyOutputError).finishReason).toBe("length");
      expect((error as InferenceBackendEmptyOutputError).shortMessage).toContain('returned no content for this input (finish_reason "length")');
      expect(requests).toHaveLength(1);
      const s = server!;
      server = undefined;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it("cuts off an answer over maxResponseBytes as it streams in (or on its declared length), without retrying", async () => {
    // A server that streams a completion without end, with no Content-Length: the backend must stop
    // reading at the limit, not buffer the whole thing (a 200 MB completion once went through).
    let written = 0;
    let stopped = false;
    const { baseUrl, requests } = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"choices":[{"message":{"role":"assistant","content":"');
      const chunk = "x".repeat(64 * 1024);
      const pump = () => {
        while (!stopped && written < 256 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (!stopped && written < 256 * 1024 * 1024) res.once("drain", pump);
      };
      res.on("close", () => (stopped = true));
      pump();
    }, 0); // a port of its own: the cut-off connection must not be pooled for the next test's server
    const maxResponseBytes = 1024 * 1024;
    const error = await createOpenAIBackend({ baseUrl, model: "m", maxResponseBytes, retryDelayMs: 0 }).infer(encode("hi")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceBackendTooLargeError);
    expect((error as InferenceBackendTooLargeError).maxResponseBytes).toBe(maxResponseBytes);
    expect((error as InferenceBackendTooLargeError).receivedBytes).toBeGreaterThan(maxResponseBytes);
    expect(written).toBeLessThan(64 * 1024 * 1024); // the server was told to stop long before the end
    expect(requests).toHaveLength(1);
    await closeServer();

    // Refused on its declared length alone.
    const declared = await startServer((_req, res) => send(res, 200, completion("y".repeat(2048))), 0);
    const refused = await createOpenAIBackend({ baseUrl: declared.baseUrl, model: "m", maxResponseBytes: 1024 }).infer(encode("hi")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InferenceBackendTooLargeError);
    // Within the limit, the same answer is taken.
    expect(new TextDecoder().decode(await createOpenAIBackend({ baseUrl: declared.baseUrl, model: "m", maxResponseBytes: 4096 }).infer(encode("hi")))).toBe("y".repeat(2048));
  });

  it("throws InferenceBackendTimeoutError when the server never answers", async () => {
    const { baseUrl, requests } = await startServer(() => {
      /* never answers */
    });
    const error = await createOpenAIBackend({ baseUrl, model: "m", timeoutMs: 200 }).infer(encode("hi")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceBackendTimeoutError);
    expect((error as InferenceBackendTimeoutError).timeoutMs).toBe(200);
    expect(requests).toHaveLength(1);
  });

  it("rejects with the signal's reason when aborted mid-request", async () => {
    let received!: () => void;
    const requestReceived = new Promise<void>((resolve) => (received = resolve));
    const { baseUrl } = await startServer(() => received());
    const controller = new AbortController();
    const reason = new Error("job cancelled");
    const pending = createOpenAIBackend({ baseUrl, model: "m" }).infer(encode("hi"), { signal: controller.signal });
    await requestReceived;
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("rejects at once, without a request, for an already aborted signal", async () => {
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 200, completion("ok")));
    const controller = new AbortController();
    controller.abort();
    await expect(createOpenAIBackend({ baseUrl, model: "m" }).infer(encode("hi"), { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(requests).toHaveLength(0);
  });

  it("retries network errors, then throws InferenceBackendNetworkError", async () => {
    // Find a free port, then close the server so that connections are refused.
    const { baseUrl } = await startServer(() => {});
    const s = server!;
    server = undefined;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    let calls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const error = await createOpenAIBackend({ baseUrl, model: "m", retryDelayMs: 1, fetch: countingFetch }).infer(encode("hi")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceBackendNetworkError);
    expect((error as InferenceBackendNetworkError).attempts).toBe(3);
    expect(calls).toBe(3);
  });

  it("counts tokens with POST /tokenize: vLLM's count and context length, llama.cpp's tokens, plus the chat template", async () => {
    // vLLM: { count, max_model_len, tokens } for { model, prompt }.
    const vllm = await startServer((_req, res) => send(res, 200, JSON.stringify({ count: 7, max_model_len: 8192, tokens: [1, 2, 3, 4, 5, 6, 7] })));
    const backend = createOpenAIBackend({ baseUrl: vllm.baseUrl, model: "llama", apiKey: "sk-test" });
    expect(await backend.countTokens!(encode("Why is the sky blue?"))).toEqual({ tokens: 7 + CHAT_TEMPLATE_TOKENS, contextTokens: 8192 });
    expect(vllm.requests[0]).toMatchObject({ method: "POST", url: "/tokenize" });
    expect(vllm.requests[0]!.headers.authorization).toBe("Bearer sk-test");
    expect(JSON.parse(vllm.requests[0]!.body)).toEqual({ model: "llama", prompt: "Why is the sky blue?", content: "Why is the sky blue?" });
    await closeServer();
    // llama.cpp server: { tokens: [...] } for { content }.
    await startServer((_req, res) => send(res, 200, JSON.stringify({ tokens: [10, 11, 12] })));
    expect(await backend.countTokens!(encode("abc"))).toEqual({ tokens: 3 + CHAT_TEMPLATE_TOKENS });
  });

  it("cannot count without a /tokenize endpoint (Ollama: 404), and stops asking; a 5xx or no server is a transient failure", async () => {
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 404, "404 page not found", "text/plain"));
    const backend = createOpenAIBackend({ baseUrl, model: "llama3.1:8b" });
    expect(await backend.countTokens!(encode("hi"))).toBeUndefined();
    expect(await backend.countTokens!(encode("hi again"))).toBeUndefined();
    expect(requests).toHaveLength(1);
    await closeServer();
    // A 2xx that is not a tokenizer's answer (a proxy's page): cannot count either.
    await startServer((_req, res) => send(res, 200, "<html>hello</html>", "text/html"));
    expect(await createOpenAIBackend({ baseUrl, model: "m" }).countTokens!(encode("hi"))).toBeUndefined();
    await closeServer();
    await startServer((_req, res) => send(res, 503, "loading"));
    const busy = await createOpenAIBackend({ baseUrl, model: "m" }).countTokens!(encode("hi")).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(InferenceBackendHttpError);
    expect((busy as InferenceBackendHttpError).retryable).toBe(true);
    await closeServer();
    await expect(createOpenAIBackend({ baseUrl, model: "m" }).countTokens!(encode("hi"))).rejects.toBeInstanceOf(InferenceBackendNetworkError);
  });

  it("refuses bad options with InferenceBackendConfigError", () => {
    expect(() => createOpenAIBackend({ baseUrl: "localhost:8000", model: "m" })).toThrow(InferenceBackendConfigError);
    expect(() => createOpenAIBackend({ baseUrl: "http://127.0.0.1:1", model: "" })).toThrow(InferenceBackendConfigError);
    expect(() => createOpenAIBackend({ baseUrl: "http://127.0.0.1:1", model: "m", maxTokens: 0 })).toThrow(InferenceBackendConfigError);
    expect(() => createOpenAIBackend({ baseUrl: "http://127.0.0.1:1", model: "m", timeoutMs: -1 })).toThrow(InferenceBackendConfigError);
    expect(() => createOpenAIBackend({ baseUrl: "http://127.0.0.1:1", model: "m", maxResponseBytes: 0 })).toThrow(InferenceBackendConfigError);
  });
});

describe("input limits (checkInput)", () => {
  const counting = (tokens: number | undefined, contextTokens?: number) => {
    const calls: string[] = [];
    return { calls, countTokens: async (input: Uint8Array) => (calls.push(decode(input)), tokens === undefined ? undefined : { tokens, contextTokens }) };
  };

  it("refuses an input over maxInputBytes on its size alone, without counting", async () => {
    const backend = counting(1);
    expect(await checkInput(encode("x".repeat(101)), { maxInputBytes: 100, timeoutSeconds: 60, maxInputTokens: 10 }, backend)).toMatchObject({ ok: false, limit: "maxInputBytes", bytes: 101, allowed: 100 });
    expect(backend.calls).toEqual([]);
    // No token limit configured: nothing to count.
    expect(await checkInput(encode("x".repeat(100)), { maxInputBytes: 100, timeoutSeconds: 60 }, backend)).toEqual({ ok: true });
    expect(backend.calls).toEqual([]);
  });

  it("asks the backend only when the bound from the bytes does not settle it, and takes its count", async () => {
    const limits = { maxInputBytes: 1000, timeoutSeconds: 60, maxInputTokens: 100, contextTokens: 256, maxTokens: 64 };
    const backend = counting(84);
    // 30 bytes: at most 95 tokens, within 100 (and 95 + 64 within 256): no request.
    expect(await checkInput(encode("x".repeat(30)), limits, backend)).toEqual({ ok: true, tokens: inputTokenBound(30), counted: false });
    expect(backend.calls).toEqual([]);
    // 39 bytes: up to 104 tokens by the bound, 84 as counted: fits.
    expect(await checkInput(encode("w ".repeat(20).trim()), limits, backend)).toEqual({ ok: true, tokens: 84, counted: true });
    expect(backend.calls).toHaveLength(1);
    expect(await checkInput(encode("w ".repeat(60).trim()), limits, counting(124))).toMatchObject({
      ok: false,
      limit: "maxInputTokens",
      tokens: 124,
      counted: true,
      reason: "its input is 124 tokens as the backend counts them, over maxInputTokens (100)",
    });
  });

  it("fits the prompt and the completion budget in the context: configured, else the server's", async () => {
    const base = { maxInputBytes: 10_000, timeoutSeconds: 60 };
    const input = encode("y".repeat(500));
    expect(await checkInput(input, { ...base, contextTokens: 1024, maxTokens: 600 }, counting(450))).toMatchObject({ ok: false, limit: "contextTokens", allowed: 1024, tokens: 450 });
    expect(await checkInput(input, { ...base, contextTokens: 1024, maxTokens: 500 }, counting(450))).toEqual({ ok: true, tokens: 450, counted: true });
    // Without contextTokens configured, the context the server reports (vLLM's max_model_len) still applies.
    expect(await checkInput(input, { ...base, maxInputTokens: 400, maxTokens: 64 }, counting(300, 320))).toMatchObject({ ok: false, limit: "contextTokens", allowed: 320 });
    // No maxTokens: at least one token of completion must fit.
    expect(await checkInput(input, { ...base, contextTokens: 451 }, counting(450))).toEqual({ ok: true, tokens: 450, counted: true });
    expect(await checkInput(input, { ...base, contextTokens: 450 }, counting(450))).toMatchObject({ ok: false, limit: "contextTokens", reason: "its input is 450 tokens as the backend counts them: with a token of completion over the context of 450 tokens" });
  });

  it("bounds the tokens by the bytes when the backend cannot count (no countTokens, or undefined)", async () => {
    expect(inputTokenBound(100)).toBe(100 + 1 + CHAT_TEMPLATE_TOKENS);
    const limits = { maxInputBytes: 10_000, timeoutSeconds: 60, maxInputTokens: 200 };
    for (const backend of [{}, counting(undefined)]) {
      expect(await checkInput(encode("z".repeat(135)), limits, backend)).toEqual({ ok: true, tokens: 200, counted: false });
      expect(await checkInput(encode("z".repeat(136)), limits, backend)).toMatchObject({
        ok: false,
        limit: "maxInputTokens",
        tokens: 201,
        counted: false,
        reason: "its input is 201 tokens at most, by its bytes (the backend cannot count tokens), over maxInputTokens (200)",
      });
    }
  });

  it("the bound holds for the built-in model, which counts one token per code point", async () => {
    const backend = createBuiltinBackend();
    for (const text of ["plain ascii", "ünïcödé", "日本語のテキスト", "emoji 🚀🚀", "\u0000\uffff"]) {
      const input = encode(text);
      const { tokens } = (await backend.countTokens!(input))!;
      expect(tokens).toBe([...text].length);
      expect(tokens).toBeLessThanOrEqual(inputTokenBound(input.length));
    }
  });
});
