import type { Address, Hex } from "viem";

/**
 * What the page is told by whoever serves it (`/config.json`). Everything here is public: contract
 * addresses, URLs, and on a local chain only, a development key that the local node publishes to
 * everyone (anvil's "test test … junk" accounts).
 */
export interface ExplorerConfig {
  /** A name for the network, shown in the header. */
  network: string;
  chainId: number;
  /** The chain's JSON-RPC URL, reached from the browser. */
  rpcUrl: string;
  /** The block of the deployment: where event scans start. */
  fromBlock: number;
  contracts: {
    market: Address;
    verifier: Address;
    /** The stake token (DPI). */
    token: Address;
    /** Payment tokens the page offers in the playground (the first is the default). */
    paymentTokens: Address[];
  };
  /** The indexer's base URL (Ponder: /graphql, /sql), or null when none runs. */
  indexerUrl: string | null;
  /** Only on a local development chain: an account the playground may use when no wallet is injected. */
  devAccount?: { privateKey: Hex; address: Address; note: string } | undefined;
}

export async function loadConfig(): Promise<ExplorerConfig> {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as ExplorerConfig;
}
