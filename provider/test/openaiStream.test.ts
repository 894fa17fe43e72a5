// The OpenAI-compatible backend's `stream` (provider/src/backends/openaiStream.ts) against a real
// local HTTP server: chunks yielded as they arrive, retries only before the stream starts, typed
// errors for what a server may get wrong, and the upstream request cancelled when the caller stops.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import { afterEach, describe, expect, it } from "vitest";

import {
  createOpenAIBackend,
  InferenceBackendHttpError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  InferenceBackendTooLargeError,
} from "../src/backends/openai.js";

const PORT = 20152;
const baseUrl = `http://127.0.0.1:${PORT}`;
let server: Server | undefined;

async function serve(handler: (req: IncomingMessage, res: ServerResponse, index: number, body: string) => void) {
  let n = 0;
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => handler(req, res, n++, body));
  });
  await new Promise<void>((resolve) => server!.listen(PORT, "127.0.0.1", resolve));
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const event = (content: string | undefined, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: content === undefined ? {} : { content }, finish_reason: finish }] })}\n\n`;
const input = new TextEncoder().encode("Why?");
async function collect(iterable: AsyncIterable<string>) {
  const out: string[] = [];
  for await (const text of iterable) out.push(text);
  return out;
}

describe("OpenAI-compatible backend: stream", () => {
  it("asks with stream: true and yields each chunk's text in order, skipping the role chunk, comments and CRLFs, up to [DONE]", async () => {
    let request: Record<string, unknown> = {};
    await serve((_req, res, _i, body) => {
      request = JSON.parse(body) as Record<string, unknown>;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: "assistant", content: "" } }] })}\n\n`);
      res.write(": keep-alive\n\n");
      res.write(event("Hel"));
      res.write(event("lo, é").replace(/\n/g, "\r\n"));
      res.write(event(undefined, "stop"));
      res.end("data: [DONE]\n\n" + event("after done"));
    });
    const backend = createOpenAIBackend({ baseUrl, model: "m", maxTokens: 7 });
    expect(await collect(backend.stream!(input))).toEqual(["Hel", "lo, é"]);
    expect(request).toMatchObject({ model: "m", stream: true, max_tokens: 7, messages: [{ role: "user", content: "Why?" }], temperature: 0, seed: 0 });
  });

  it("retries a 503 before the stream starts; a 400 is not retried", async () => {
    await serve((_req, res, i) => {
      if (i === 0) return res.writeHead(503).end("busy");
      if (i === 1) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        return res.end(event("ok") + "data: [DONE]\n\n");
      }
      res.writeHead(400).end("bad");
    });
    const backend = createOpenAIBackend({ baseUrl, model: "m", maxRetries: 1, retryDelayMs: 1 });
    expect(await collect(backend.stream!(input))).toEqual(["ok"]);
    const error = await collect(backend.stream!(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceBackendHttpError);
    expect((error as InferenceBackendHttpError).status).toBe(400);
  });

  it("an error event or a non-JSON event mid-stream is InferenceBackendResponseError, after the text before it", async () => {
    await serve((_req, res, i) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(event("first") + (i === 0 ? `data: {"error":{"message":"overloaded"}}\n\n` : "data: not json\n\n"));
    });
    const backend = createOpenAIBackend({ baseUrl, model: "m" });
    for (const reason of ["error event", "not valid JSON"]) {
      const seen: string[] = [];
      const error = await (async () => {
        for await (const text of backend.stream!(input)) seen.push(text);
      })().catch((e: unknown) => e);
      expect(seen).toEqual(["first"]);
      expect(error).toBeInstanceOf(InferenceBackendResponseError);
      expect((error as Error).message).toContain(reason);
    }
  });

  it("cuts a stream past maxResponseBytes, and times out a stream that stalls", async () => {
    await serve((_req, res, i) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (i === 0) return res.end(event("x".repeat(300)) + "data: [DONE]\n\n");
      res.write(event("slow")); // then nothing
    });
    const small = createOpenAIBackend({ baseUrl, model: "m", maxResponseBytes: 200 });
    await expect(collect(small.stream!(input))).rejects.toBeInstanceOf(InferenceBackendTooLargeError);
    const quick = createOpenAIBackend({ baseUrl, model: "m", timeoutMs: 300 });
    await expect(collect(quick.stream!(input))).rejects.toBeInstanceOf(InferenceBackendTimeoutError);
  });

  it("stopping the iteration early, or aborting the signal, cancels the upstream request", async () => {
    const closedEarly: boolean[] = [];
    await serve(async (_req, res) => {
      let done = false;
      res.on("close", () => closedEarly.push(!done));
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < 100 && !res.destroyed; i++) {
        res.write(event(`t${i} `));
        await new Promise((r) => setTimeout(r, 10));
      }
      done = true;
      res.end("data: [DONE]\n\n");
    });
    const backend = createOpenAIBackend({ baseUrl, model: "m" });
    for await (const text of backend.stream!(input)) if (text === "t2 ") break;
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const text of backend.stream!(input, { signal: controller.signal })) {
        seen.push(text);
        if (seen.length === 2) controller.abort(new Error("caller stopped"));
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe("caller stopped");
    const until = Date.now() + 5000;
    while (closedEarly.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(closedEarly).toEqual([true, true]);
  });
});
