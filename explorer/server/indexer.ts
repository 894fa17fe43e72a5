/**
 * Starts the indexer (indexer/, a Ponder app) on its embedded PGlite for the explorer, or returns
 * undefined when this checkout has no indexer.
 */
import { existsSync } from "node:fs";
import path from "node:path";

export interface IndexerHandle {
  url: string;
  stop(): Promise<void>;
}

export interface StartIndexerParameters {
  rpcUrl: string;
  chainId: number;
  /** The directory holding deployments/<network>/deployment.json. */
  deploymentsDir: string;
  network: string;
  host: string;
  port: number;
  log: (line: string) => void;
}

const indexerDir = path.join(import.meta.dirname, "..", "..", "indexer");

export async function startIndexer({ log }: StartIndexerParameters): Promise<IndexerHandle | undefined> {
  if (!existsSync(path.join(indexerDir, "package.json"))) {
    log("No indexer in this checkout (indexer/): the page reads the chain only.");
    return undefined;
  }
  log("The indexer is not wired yet: the page reads the chain only.");
  return undefined;
}
