// Payment sessions: per-request billing with signed vouchers (browser-safe).
export { SESSIONS_DOMAIN_NAME, SESSIONS_DOMAIN_VERSION, sessionsDomain, voucherTypes, sessionAttestationTypes } from "./typedData.js";
export * from "./wire.js";
export { createSessionClient, type CreateSessionClientParameters, type SessionClient, type SessionAttestationRecord } from "./client.js";
export * from "../errors/sessionClient.js";
