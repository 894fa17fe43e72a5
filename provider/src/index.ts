// depinfer-provider: the provider daemon (job loop, journal, transaction sender, backends, output
// server) as a library. The command is `depinfer-provider` (src/bin.ts).
export { BUILTIN_MODEL, loadBuiltinModel, runBuiltinModel, trainCharModel, generate } from "./models/charModel.js";
export * from "./backends/index.js";
export { Journal, JOURNAL_STATES, TERMINAL_STATES, RESULT_ON_CHAIN_STATES, type JournalEntry, type JournalFields, type JournalState } from "./journal.js";
export { loadConfig, validateConfig, resolveSigner, describeConfig, ProviderConfigError, PROVIDER_CONFIG_DEFAULTS, type ProviderConfig, type ServedModel, type KeySource, type ModelBackend } from "./config.js";
export { createLogger, createProgress, progressLine, type Logger, type LogLevel } from "./logger.js";
export { planSetUp, setUpProvider, SetUpGapsError, type SetUpPlan, type SetUpProviderParameters, type SetUpProviderStep } from "./setup.js";
export { checkMarket, deploymentsDirOf, loadDeploymentAddresses, type DeploymentAddresses, type MarketSettings } from "./market.js";
export { createProviderNode, backendFor, clientFor, marketOf, ProviderNode, ProviderNodeStartError, type CreateProviderNodeParameters, type ProviderNodeStats, type ProviderNodeStep, type JobRefusal } from "./provider.js";
export { startOutputServer, type OutputServer, type OutputServerParameters } from "./outputServer.js";
export { FeeCeilingError, TxSender, isFeeCeilingError, type FeeCeilings, type SendParameters, type TxSenderParameters } from "./txSender.js";
export { SessionJournal, SessionReader, SessionSettler, createSessionHandler, startSessionService, type SessionRecord, type SessionRequestRecord, type SessionStep, type SessionView, type SettlePolicy } from "./sessions/index.js";
export { VerifierLoop, type VerifierConfig, type VerifierStep } from "./verifier.js";
export { VerifierJournal, OPEN_SEAT_STATES, type SeatState, type VerifierEntry } from "./verifierJournal.js";
export { REDUNDANCY_REFUSALS, RedundancyLoop, type RedundancyConfig, type RedundancyRefusal, type RedundancyStep } from "./redundancy.js";
export { RedundancyJournal, OPEN_REDUNDANCY_STATES, type RedundancySeatState, type RedundancyEntry } from "./redundancyJournal.js";
