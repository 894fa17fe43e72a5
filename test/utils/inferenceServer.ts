/**
 * An OpenAI-compatible chat server for node tests whose every answer is new ("answer #n to
 * <prompt>"), counting calls per prompt: a second inference for a job shows in the counts, and would
 * change the attested output hash.
 */
import { createServer, type Server } from "node:http";

/** Listens on 127.0.0.1:`port` (default: a free port). */
export async function startCountingInferenceServer(port = 0) {
  const calls = new Map<string, number>();
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const prompt = (JSON.parse(body) as { messages: { content: string }[] }).messages.at(-1)!.content;
      calls.set(prompt, (calls.get(prompt) ?? 0) + 1);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: `answer #${++n} to ${prompt}` }, finish_reason: "stop" }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${bound}`, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}
