import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { createBuiltinBackend } from "../src/backends/builtin.js";
import {
  createOpenAIBackend,
  InferenceBackendConfigError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
} from "../src/backends/openai.js";
import { DepinferError } from "depinfer";
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

async function startServer(handler: Handler): Promise<{ baseUrl: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      handler(req, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, requests };
}

afterEach(async () => {
  if (server === undefined) return;
  const s = server;
  server = undefined;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

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
    const { baseUrl, requests } = await startServer((_req, res) => send(res, 200, completion("")));
    const output = await createOpenAIBackend({ baseUrl, model: "m", temperature: 0.5 }).infer(encode("hi"));
    expect(output).toEqual(new Uint8Array());
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

  it("refuses bad options with InferenceBackendConfigError", () => {
    expect(() => createOpenAIBackend({ baseUrl: "localhost:8000", model: "m" })).toThrow(InferenceBackendConfigError);
    expect(() => createOpenAIBackend({ baseUrl: "http://127.0.0.1:1", model: "" })).toThrow(InferenceBackendConfigError);
    expect(() => createOpenAIBackend({ baseUrl: "http://127.0.0.1:1", model: "m", maxTokens: 0 })).toThrow(InferenceBackendConfigError);
    expect(() => createOpenAIBackend({ baseUrl: "http://127.0.0.1:1", model: "m", timeoutMs: -1 })).toThrow(InferenceBackendConfigError);
  });
});
