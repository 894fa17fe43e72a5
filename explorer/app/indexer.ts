/**
 * The indexer's side of the page (indexer/, Ponder; its routes: docs/indexer.md). The page takes
 * the derived figures from the indexer (per-provider success rate, latency, earnings after the fee;
 * protocol totals by day) and lays them over the market view it reads from the chain, so that a
 * missing or failing indexer degrades the page to the chain's own view, with a banner.
 */
import type { Address } from "viem";

import type { DayStats, MarketView } from "./chain.js";

/** True when the indexer answers its readiness check (it has caught up with the chain). */
export async function indexerAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, "")}/ready`, { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  } catch {
    return false;
  }
}

interface IndexedProvider {
  id: string;
  stats: {
    successRate: number | null;
    medianCreateToSubmitSeconds: number | null;
    earnings: { token: string; payout: string | null }[];
    slashCount: number;
  };
}

interface IndexedDay {
  day: string;
  jobs: Record<string, number>;
  volume: { token: string; volume: string | null }[];
  slashed: string;
}

async function get<T>(base: string, route: string): Promise<T> {
  const response = await fetch(`${base.replace(/\/+$/, "")}${route}`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${route}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The chain's market view with the indexer's per-provider figures and daily totals. */
export async function readIndexer(url: string, fromChain: MarketView, payToken: Address): Promise<MarketView> {
  const [providers, days] = await Promise.all([get<IndexedProvider[]>(url, "/api/providers"), get<IndexedDay[]>(url, "/api/stats/daily?days=365")]);
  const byId = new Map(providers.map((p) => [p.id.toLowerCase(), p]));
  const view: MarketView = {
    ...fromChain,
    providers: fromChain.providers.map((p) => {
      const indexed = byId.get(p.address.toLowerCase());
      if (!indexed) return p;
      const s = indexed.stats;
      return {
        ...p,
        successRate: s.successRate ?? undefined,
        medianLatency: s.medianCreateToSubmitSeconds ?? undefined,
        earned: new Map(s.earnings.filter((e) => e.payout !== null).map((e) => [e.token as Address, BigInt(e.payout!)])),
        earnedNote: "payouts of its finalized jobs, after the protocol and verification fees (indexer)",
      };
    }),
  };
  const dayList: DayStats[] = days.map((d) => ({
    day: d.day,
    jobs: d.jobs.Created ?? 0,
    volume: BigInt(d.volume.find((v) => v.token.toLowerCase() === payToken.toLowerCase())?.volume ?? "0"),
    slashed: BigInt(d.slashed),
    disputes: d.jobs.Disputed ?? 0,
  }));
  view.days = dayList;
  view.totals = {
    ...fromChain.totals,
    volume: dayList.reduce((s, d) => s + d.volume, 0n),
    slashed: dayList.reduce((s, d) => s + d.slashed, 0n),
  };
  return view;
}
