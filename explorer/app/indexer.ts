/** The indexer's side of the page (indexer/, Ponder): health, and the views it serves. */
import type { MarketView } from "./chain.js";

/** True when the indexer answers its readiness check. */
export async function indexerAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, "")}/ready`, { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** The market view with the indexer's derived figures over the chain's (filled in once the indexer's API is fixed). */
export async function readIndexer(_url: string, fromChain: MarketView): Promise<MarketView> {
  return fromChain;
}
