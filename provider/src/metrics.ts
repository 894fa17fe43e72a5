// Node-only. The provider node's Prometheus metrics, kept by prom-client in a registry of the node's
// own (two nodes in one process do not share counters). Gauges are read from the node's stats when
// scraped; counters are incremented where the event happens. Values are float64, as Prometheus
// stores them: token amounts above 2^53 smallest units lose their last digits.
import { Counter, Gauge, Registry } from "prom-client";
import type { Address } from "viem";

import { JOURNAL_STATES, type JournalState } from "./journal.js";

export interface NodeMetricsSource {
  stats(): {
    states: Partial<Record<JournalState, number>>;
    running: number;
    lastBlock?: bigint | number | undefined;
    claimable: readonly { token: Address; amount: bigint }[];
  };
}

export interface NodeMetrics {
  readonly registry: Registry;
  /** A job skipped before anything was committed to it. */
  refused(reason: string): void;
  /** A redundancy request refused before anything was committed to it (redundancy.ts). */
  redundancyRefused(reason: string): void;
  /** Earnings claimed. */
  claimed(token: Address, amount: bigint): void;
  /** The text exposition, for `GET /metrics`. */
  text(): Promise<string>;
  readonly contentType: string;
}

export function createNodeMetrics(node: NodeMetricsSource, { refusals, redundancyRefusals = [] }: { refusals: readonly string[]; redundancyRefusals?: readonly string[] | undefined }): NodeMetrics {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: "depinfer_node_jobs",
    help: "Jobs in the node's journal, by state.",
    labelNames: ["state"],
    registers,
    collect() {
      const { states } = node.stats();
      for (const state of JOURNAL_STATES) this.set({ state }, states[state] ?? 0);
    },
  });
  new Gauge({
    name: "depinfer_node_running",
    help: "Jobs being worked on now.",
    registers,
    collect() {
      this.set(node.stats().running);
    },
  });
  new Gauge({
    name: "depinfer_node_last_block",
    help: "The last block whose jobs were taken in.",
    registers,
    collect() {
      this.set(Number(node.stats().lastBlock ?? 0));
    },
  });
  const refused = new Counter({
    name: "depinfer_node_jobs_refused_total",
    help: "Jobs skipped since start before anything was committed to them: too little time before the deadline, collateral above maxCollateralShare, or an input over the model's limits.",
    labelNames: ["reason"],
    registers,
  });
  for (const reason of refusals) refused.inc({ reason }, 0);
  const redundancyRefused = new Counter({
    name: "depinfer_node_redundancy_refused_total",
    help: "Redundancy requests refused since start before anything was committed to them: a model or token not served, a price under the offer, too little time before the commit deadline, an input over the model's limits, or collateral above maxCollateralShare.",
    labelNames: ["reason"],
    registers,
  });
  for (const reason of redundancyRefusals) redundancyRefused.inc({ reason }, 0);
  const claimed = new Counter({
    name: "depinfer_node_claimed_total",
    help: "Earnings claimed since start, in the token's smallest unit.",
    labelNames: ["token"],
    registers,
  });
  new Gauge({
    name: "depinfer_node_claimable",
    help: "Earnings left to claim, read at start and at each claim round, in the token's smallest unit.",
    labelNames: ["token"],
    registers,
    collect() {
      this.reset();
      for (const c of node.stats().claimable) this.set({ token: c.token }, Number(c.amount));
    },
  });
  return {
    registry,
    refused: (reason) => refused.inc({ reason }),
    redundancyRefused: (reason) => redundancyRefused.inc({ reason }),
    claimed: (token, amount) => claimed.inc({ token }, Number(amount)),
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
