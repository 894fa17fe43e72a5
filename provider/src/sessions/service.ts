// Node-only. Composes the session server, its journal, the session reader and the settlement loop
// for the ProviderNode (provider.ts), which owns start and stop.
import path from "node:path";

import type { Account, Address, Chain, Client, Hex, LocalAccount, Transport } from "viem";

import type { InferenceBackend } from "../backends/types.js";
import type { ProviderConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { SessionReader } from "./chain.js";
import { SessionJournal } from "./journal.js";
import { createSessionHandler, type SessionStep } from "./server.js";
import { SessionSettler, type SettleSender } from "./settler.js";

export interface SessionService {
  /** The request handler to mount on the output server. */
  handle: ReturnType<typeof createSessionHandler>;
  journal: SessionJournal;
  settler: SessionSettler;
  reader: SessionReader;
  /** Stops the settlement loop (after the round in progress) and closes the journal. */
  stop(): Promise<void>;
}

export interface StartSessionServiceParameters {
  config: ProviderConfig & { sessions: NonNullable<ProviderConfig["sessions"]> };
  client: Client<Transport, Chain, Account>;
  sender: SettleSender;
  /** The provider's registered account. */
  provider: Address;
  /** The attestation signer (a local key). */
  signer: Account;
  backends: ReadonlyMap<string, InferenceBackend>;
  logger: Logger;
  afterStep?: ((step: SessionStep, sessionId: Hex) => void) | undefined;
}

/** Opens the session journal, reads the chain's clock, and starts the settlement loop. */
export async function startSessionService(p: StartSessionServiceParameters): Promise<SessionService> {
  const { config, client, logger } = p;
  const sessions = config.sessions.address;
  if (typeof (p.signer as LocalAccount).sign !== "function") throw new Error("payment sessions need a local signer key (env or keystore) to sign attestations");
  const journal = new SessionJournal(path.join(config.dataDir));
  const reader = new SessionReader({ client, sessions, ttlMs: Math.min(2000, config.pollingIntervalMs * 2) });
  await reader.syncClock();
  const settler = new SessionSettler({
    journal,
    reader,
    sender: p.sender,
    sessions,
    logger: logger.child({ loop: "sessions" }),
    tickMs: Math.max(250, config.pollingIntervalMs),
    policy: {
      intervalSeconds: config.sessions.settleIntervalSeconds,
      threshold: BigInt(config.sessions.settleThreshold),
      beforeExpirySeconds: config.sessions.settleBeforeExpirySeconds,
    },
  });
  const handle = createSessionHandler({
    reader,
    journal,
    provider: p.provider,
    signer: p.signer as LocalAccount,
    chainId: config.chainId,
    sessions,
    backends: p.backends,
    logger,
    onAccepted: (sessionId) => settler.nudge(sessionId),
    afterStep: p.afterStep,
  });
  settler.start();
  logger.info("payment sessions served", { sessions, settle: { ...config.sessions, address: undefined } });
  return {
    handle,
    journal,
    settler,
    reader,
    stop: async () => {
      await settler.stop();
      journal.close();
    },
  };
}
