// Payment sessions: per-request billing with signed vouchers (browser-safe).
export * from "./wire.js";
export { sessionDigests, type SessionDigests } from "./digests.js";
export { createSessionClient, type CreateSessionClientParameters, type SessionClient, type SessionAttestationRecord } from "./client.js";
export * from "../errors/sessionClient.js";
export * from "./terms.js";
