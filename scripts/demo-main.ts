// `npm run demo` (through scripts/demo-run.ts): exits 0 only if every expected outcome happened.
import { runDemo } from "./demo.js";

const startedAt = Number(process.env.DEPINFER_DEMO_STARTED_AT) || undefined;
process.exitCode = (await runDemo(console.log, { commandStartedAt: startedAt })) ? 0 : 1;
