import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

interface VitestTaskArguments {
  testFiles: string[];
  noCompile: boolean;
}

/** Runs vitest in a child process (same Node binary) and returns the test summary. */
export default async function runVitest(
  { testFiles, noCompile }: VitestTaskArguments,
  hre: HardhatRuntimeEnvironment,
) {
  if (!noCompile) await hre.tasks.getTask("build").run({ noTests: true });
  const require = createRequire(import.meta.url);
  const vitestCli = path.join(path.dirname(require.resolve("vitest/package.json")), "vitest.mjs");
  const dir = mkdtempSync(path.join(tmpdir(), "depinfer-vitest-"));
  const report = path.join(dir, "report.json");
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [vitestCli, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...testFiles],
      { stdio: "inherit", cwd: hre.config.paths.root },
    );
    child.on("exit", (c) => resolve(c ?? 1));
  });
  let passed = 0;
  let failed = code === 0 ? 0 : 1;
  let skipped = 0;
  try {
    const json = JSON.parse(readFileSync(report, "utf8"));
    passed = json.numPassedTests;
    failed = json.numFailedTests + (code !== 0 && json.numFailedTests === 0 ? 1 : 0);
    skipped = json.numPendingTests + json.numTodoTests;
  } catch {
    // No report: vitest crashed before writing one; counted as one failure above.
  }
  rmSync(dir, { recursive: true, force: true });
  const summary = { passed, failed, skipped, todo: 0 };
  if (failed > 0) process.exitCode = 1;
  return summary;
}
