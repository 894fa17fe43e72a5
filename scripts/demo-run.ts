/**
 * `npm run demo`: compiles (a minute the first time, with a line saying so), then runs the demo
 * (scripts/demo-main.ts) on Hardhat's in-process chain. The demo's last line reports its own time
 * and the command's true total, compile and start-up included.
 */
import { spawnSync } from "node:child_process";

/** When this command started, start-up of this process included. */
const startedAt = Math.round(Date.now() - process.uptime() * 1000);

function hardhat(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync("hardhat", args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

hardhat(["build", "--no-tests"]);
hardhat(["run", "--no-compile", "scripts/demo-main.ts"], {
  DEPINFER_DEMO_STARTED_AT: String(startedAt),
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --disable-warning=ExperimentalWarning --conditions=depinfer-source`.trim(),
});
