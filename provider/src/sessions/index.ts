// Node-only. Payment sessions on the provider node: the paid OpenAI-compatible endpoint (server.ts),
// its journal (journal.ts), the chain reads (chain.ts) and the settlement loop (settler.ts).
export { createSessionHandler, type SessionServerParameters, type SessionStep } from "./server.js";
export { SessionJournal, type SessionRecord, type SessionRequestRecord } from "./journal.js";
export { SessionReader, SessionLookupBusyError, paymentSessionsNodeAbi, SESSION_STATUS, type SessionView, type SessionReaderParameters } from "./chain.js";
export { SessionSettler, type SettlePolicy, type SettleSender, type SessionSettlerParameters } from "./settler.js";
export { startSessionService, type SessionService, type StartSessionServiceParameters } from "./service.js";
