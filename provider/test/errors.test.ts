// The node's error text never carries the failed call's arguments: its calls hold attestation
// signatures, and a logged second signature for a job is evidence for an equivocation slash.
import { CallExecutionError, ContractFunctionExecutionError, encodeFunctionData, zeroAddress, type Hex, BaseError } from "viem";
import { describe, expect, it } from "vitest";

import { jobMarketAbi, type Job } from "depinfer";
import { cleanErrorText, formatError } from "../src/errors.js";
import { createLogger } from "../src/logger.js";

const signature = `0x${"ab".repeat(65)}` as Hex;
const job: Job = { client: zeroAddress, provider: zeroAddress, token: zeroAddress, price: 1n, collateral: 1n, model: `0x${"11".repeat(32)}`, inputHash: `0x${"22".repeat(32)}`, deadline: 1, paramsVersion: 1, nonce: 1n };
const args = [job, `0x${"33".repeat(32)}`, signature] as const;
const data = encodeFunctionData({ abi: jobMarketAbi, functionName: "acceptAndSubmit", args });

function failedCall() {
  const cause = new CallExecutionError(new BaseError("execution reverted"), { account: zeroAddress, to: zeroAddress, data } as never);
  return new ContractFunctionExecutionError(cause, { abi: jobMarketAbi, functionName: "acceptAndSubmit", args, contractAddress: zeroAddress, sender: zeroAddress });
}

describe("error text", () => {
  it("test_formatError_withoutCallArguments: drops viem's call blocks and any signature-long hex", () => {
    const error = failedCall();
    expect(error.message).toContain(signature.slice(2)); // what viem prints
    for (const text of [formatError(error), formatError(error, { short: true }), cleanErrorText(error.message), formatError(error.cause)]) {
      expect(text).not.toContain(signature.slice(2));
      expect(text).not.toMatch(/0x[0-9a-f]{130,}/i);
    }
    expect(formatError(error)).not.toContain("Contract Call:");
  });

  it("test_logger_withoutCallArguments: a logged error carries no signature, in message, stack or cause", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", stream: { write: (line: string) => void lines.push(line) } });
    logger.error("job step failed unexpectedly", { err: failedCall() });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(signature.slice(2));
    expect(lines[0]).not.toContain("Contract Call:");
    expect(lines[0]).not.toMatch(/0x[0-9a-f]{130,}/i);
  });
});

describe("URLs in error text", () => {
  const secretUrl = "https://user:hunter2@rpc.example.com/v3/abcdef0123456789abcdef01?apikey=sk-live-123";

  it("test_logger_redactsUrls: an RPC or content-store URL in a logged error loses its credentials", async () => {
    const { HttpRequestError } = await import("viem");
    const rpc = new HttpRequestError({ url: secretUrl, body: { method: "eth_chainId" }, details: `fetch failed for ${secretUrl}` });
    const store = new Error(`GET ${secretUrl.replace("/v3/", "/ipfs/")} answered 500`);
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", stream: { write: (line: string) => void lines.push(line) } });
    logger.error("rpc failed", { err: rpc });
    logger.warn("content store failed", { err: store });
    for (const text of [...lines, formatError(rpc), formatError(rpc, { short: true }), formatError(store)]) {
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("abcdef0123456789abcdef01");
      expect(text).not.toContain("sk-live-123");
    }
    expect(lines[0]).toContain("rpc.example.com"); // the host stays: the operator needs to know which endpoint
  });
});
