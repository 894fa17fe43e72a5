/**
 * A viem transport to Hardhat's in-process chain that, like viem's WebSocket transport, also offers
 * `subscribe` (`eth_subscribe`, with the chain's `message` events): a node given it follows new
 * blocks as they are mined instead of polling for them, as it does against a WebSocket RPC
 * (`ws://…` of `hardhat node` or anvil). `delayMs` is added before each request and each
 * notification (a remote RPC); `onRequest` sees each request's method (counting).
 */
import { custom, type Transport } from "viem";

import type { Connection } from "./harness.js";

interface SubscriptionMessage {
  type?: string;
  data?: { subscription?: string; result?: unknown };
}

export interface InProcessTransportOptions {
  delayMs?: number;
  onRequest?: (method: string) => void;
}

export function inProcessTransport(connection: Connection, { delayMs = 0, onRequest }: InProcessTransportOptions = {}): Transport {
  const provider = connection.provider as unknown as {
    request(args: { method: string; params?: unknown }): Promise<unknown>;
    on(event: "message", listener: (message: SubscriptionMessage) => void): unknown;
    removeListener(event: "message", listener: (message: SubscriptionMessage) => void): unknown;
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const request = async (args: { method: string; params?: unknown }) => {
    onRequest?.(args.method);
    if (delayMs > 0) await sleep(delayMs);
    return provider.request(args);
  };
  // Hardhat's in-process reverts look retryable to viem (3 retries, ~1 s per revert): the node retries what is transient itself.
  const base = custom({ request } as never, { retryCount: 0 });
  return ((options: Parameters<Transport>[0]) => {
    const transport = base(options);
    return {
      ...transport,
      value: {
        ...transport.value,
        async subscribe({ params, onData, onError }: { params: unknown[]; onData: (data: { result?: unknown }) => void; onError?: (error: Error) => void }) {
          const id = (await request({ method: "eth_subscribe", params })) as string;
          const listener = (message: SubscriptionMessage) => {
            if (message.type !== "eth_subscription" || message.data?.subscription !== id) return;
            const result = message.data.result;
            if (delayMs > 0) setTimeout(() => onData({ result }), delayMs);
            else onData({ result });
          };
          provider.on("message", listener);
          return {
            subscriptionId: id,
            async unsubscribe() {
              provider.removeListener("message", listener);
              try {
                return await request({ method: "eth_unsubscribe", params: [id] });
              } catch (error) {
                onError?.(error as Error);
              }
            },
          };
        },
      },
    };
  }) as Transport;
}
