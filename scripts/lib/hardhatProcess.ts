/**
 * Runs `hardhat <args>` as its own process for the command runners (npm run demo, npm run bench),
 * inheriting the terminal, and exits with its code if it fails. `withSources` adds the Node options
 * a script that imports the provider package from source needs: the `depinfer-source` export
 * condition, and no SQLite ExperimentalWarning.
 */
import { spawnSync } from "node:child_process";

export function runHardhat(args: string[], { env = {}, withSources = false }: { env?: Record<string, string>; withSources?: boolean } = {}) {
  const nodeOptions = withSources
    ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --disable-warning=ExperimentalWarning --conditions=depinfer-source`.trim() }
    : {};
  const result = spawnSync("hardhat", args, { stdio: "inherit", env: { ...process.env, ...env, ...nodeOptions } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
