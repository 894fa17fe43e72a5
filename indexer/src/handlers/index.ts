/** The typed handlers, by contract name in ponder.config.ts and event name in its ABI. */
import { governorHandlers, timelockHandlers } from "./governance.js";
import { marketHandlers, type Handler } from "./market.js";
import { arbitratedVerifierHandlers, sampledVerifierHandlers } from "./modules.js";

export type { Handler };
export type ContractName = "JobMarket" | "ArbitratedVerifier" | "SampledVerifier" | "PaymentSessions" | "RedundancyModule" | "Timelock" | "Governor";

export const handlers: Record<ContractName, Record<string, Handler>> = {
  JobMarket: marketHandlers,
  ArbitratedVerifier: arbitratedVerifierHandlers,
  SampledVerifier: sampledVerifierHandlers,
  // Sessions have no typed table yet: every event lands in `events` (decoded, one row per log).
  PaymentSessions: {},
  // Redundancy requests likewise: their events land in `events`, one row per log.
  RedundancyModule: {},
  Timelock: timelockHandlers,
  Governor: governorHandlers,
};
