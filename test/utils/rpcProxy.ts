/**
 * Proxies a test puts between a provider node and its chain, to be the RPC a node meets in the wild:
 * a TCP proxy the test cuts and restores (a dropped connection), and a JSON-RPC HTTP proxy whose
 * handler sees every call and may forward it, answer it itself, rewrite the answer, or fail the
 * HTTP request (a status, or a connection reset). Tests stop them in afterAll.
 */
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, connect, type Socket } from "node:net";

/** A TCP proxy to 127.0.0.1:`target` that the test can cut (every connection dropped, new ones refused) and restore. */
export async function startTcpProxy(target: number) {
  const sockets = new Set<Socket>();
  let server: ReturnType<typeof createTcpServer> | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createTcpServer((client) => {
        const upstream = connect(target, "127.0.0.1");
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    async cut() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server!.listening ? server!.close(() => resolve()) : resolve()));
    },
  };
}

export interface JsonRpcRequest {
  jsonrpc?: "2.0";
  id?: number | string | null;
  method: string;
  params?: unknown[];
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** The HTTP request fails as a whole: an HTTP status (e.g. 429, 503) with a body, or a connection reset with no answer. */
export type HttpFault = { status: number; body?: string } | "reset";

/**
 * Decides what one JSON-RPC call gets: `forward(call)` sends it to the target and returns its
 * answer (which the handler may return, change, or drop for a fault).
 */
export type JsonRpcHandler = (call: JsonRpcRequest, forward: (call: JsonRpcRequest) => Promise<JsonRpcResponse>) => Promise<JsonRpcResponse | HttpFault>;

const isFault = (x: JsonRpcResponse | HttpFault): x is HttpFault => x === "reset" || !("jsonrpc" in x);

/**
 * A JSON-RPC HTTP proxy on 127.0.0.1:`port` in front of `target`; `handler` (default: forward)
 * decides each call. In a batch, the first call that faults fails the whole HTTP request.
 */
export async function startJsonRpcProxy(target: string, port: number, handler: JsonRpcHandler = (call, forward) => forward(call)) {
  const forward = async (call: JsonRpcRequest): Promise<JsonRpcResponse> => {
    const res = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(call) });
    return (await res.json()) as JsonRpcResponse;
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as JsonRpcRequest | JsonRpcRequest[];
        const answers = await Promise.all((Array.isArray(body) ? body : [body]).map((call) => handler(call, forward)));
        const fault = answers.find(isFault);
        if (fault === "reset") req.socket.destroy();
        else if (fault) res.writeHead(fault.status, { "content-type": "text/plain" }).end(fault.body ?? "");
        else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(Array.isArray(body) ? answers : answers[0]));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}
