// Node-only. The node's Prometheus metrics on a listener of their own (`metrics: { host, port }`),
// apart from the public output server: they show the node's earnings and activity, which are the
// operator's business. `GET /metrics` (never cached) and `GET /health`; anything else is a 404.
import { createServer, type Server } from "node:http";

import type { Logger } from "./logger.js";
import { listen } from "./outputServer.js";

export interface MetricsServerParameters {
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  /** The text exposition. */
  metrics: () => string | Promise<string>;
  logger?: Logger | undefined;
}

export interface MetricsServer {
  /** The base URL, e.g. `http://127.0.0.1:9100` (scrape `${url}/metrics`). */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the metrics listener.
 *
 * @example
 * const server = await startMetricsServer({ host: "127.0.0.1", port: 9100, metrics: () => node.metrics() });
 */
export async function startMetricsServer({ host, port, metrics, logger }: MetricsServerParameters): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: string, type = "application/json") => {
      if (response.headersSent || response.writableEnded) return;
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(body);
    };
    request.on("error", () => response.destroy());
    response.on("error", () => request.destroy());
    let pathname: string;
    try {
      pathname = new URL(request.url ?? "/", "http://localhost").pathname;
    } catch {
      return send(400, JSON.stringify({ error: "the request target is not a URL path" }));
    }
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, JSON.stringify({ error: "GET /metrics" }));
    if (pathname === "/health") return send(200, JSON.stringify({ ok: true }));
    if (pathname !== "/metrics") return send(404, JSON.stringify({ error: "not found: GET /metrics" }));
    Promise.resolve()
      .then(metrics)
      .then(
        (text) => send(200, text, "text/plain; version=0.0.4; charset=utf-8"),
        (error: unknown) => {
          logger?.error("metrics server: metrics failed", { err: error });
          send(500, JSON.stringify({ error: "metrics failed" }));
        },
      );
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  server.maxConnections = 64;
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.timeout = 30_000;
  return listen(server, port, host, logger, "metrics server");
}
