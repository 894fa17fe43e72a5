/**
 * An HTTP JSON-RPC endpoint in front of an in-process (EDR) chain, so that a provider node in a
 * process of its own can use the bench's chain: `POST /` with one request or a batch, answered by
 * `connection.provider.request`. Bench-only (no limits, 127.0.0.1 only).
 *
 * @example
 * const bridge = await startRpcBridge(connection);   // bridge.url: http://127.0.0.1:<port>
 * await bridge.close();
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { Connection } from "./harness.js";

interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method: string;
  params?: unknown;
}

export async function startRpcBridge(connection: Connection, { port = 0 }: { port?: number } = {}) {
  const answer = async (r: RpcRequest) => {
    try {
      return { jsonrpc: "2.0", id: r.id ?? null, result: await connection.provider.request({ method: r.method, params: r.params as never }) };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return { jsonrpc: "2.0", id: r.id ?? null, error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(error), data: e.data } };
    }
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      void (async () => {
        let body: RpcRequest | RpcRequest[];
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
        } catch {
          response.writeHead(400).end();
          return;
        }
        const result = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body);
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(result, (_key, value: unknown) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value)));
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
