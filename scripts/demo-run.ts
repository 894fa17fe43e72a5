/**
 * `npm run demo`: compiles (a minute the first time, with a line saying so), then runs the demo
 * (scripts/demo-main.ts) on Hardhat's in-process chain. The demo's last line reports its own time
 * and the command's true total, compile and start-up included.
 */
import { runHardhat } from "./lib/hardhatProcess.js";

/** When this command started, start-up of this process included. */
const startedAt = Math.round(Date.now() - process.uptime() * 1000);

runHardhat(["build", "--no-tests"]);
runHardhat(["run", "--no-compile", "scripts/demo-main.ts"], { env: { DEPINFER_DEMO_STARTED_AT: String(startedAt) }, withSources: true });
