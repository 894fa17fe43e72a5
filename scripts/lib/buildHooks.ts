/**
 * Hardhat build hooks (registered in hardhat.config.ts) for what a user sees while compiling:
 *
 * - The first build compiles every contract with solc-js (WebAssembly; no native solc can be
 *   downloaded here), which takes about a minute. It starts with a line saying so, instead of a
 *   silent minute (Hardhat's own spinner only shows on a terminal).
 * - Warnings that point into npm dependencies (OpenZeppelin's own files) are dropped: nobody here
 *   can act on them. Warnings in our own sources, and every error, still show.
 */
import { existsSync } from "node:fs";

import type { SolidityHooks } from "hardhat/types/hooks";
import type { Compiler, CompilerOutput } from "hardhat/types/solidity";

export const FIRST_BUILD_LINE =
  "Compiling the contracts with solc 0.8.37 (WebAssembly): the first build takes about a minute; later builds recompile only what changed.";

/** True when a compiler diagnostic is a warning located in an npm dependency's source. */
export function isDependencyWarning(error: { severity: string; sourceLocation?: { file: string }; formattedMessage?: string }): boolean {
  if (error.severity !== "warning") return false;
  const file = error.sourceLocation?.file ?? "";
  return file.startsWith("npm/") || file.includes("node_modules/") || (!file && /node_modules\//.test(error.formattedMessage ?? ""));
}

/** The compiler output without warnings from dependencies. */
export function withoutDependencyWarnings(output: CompilerOutput): CompilerOutput {
  if (!output.errors) return output;
  return { ...output, errors: output.errors.filter((error) => !isDependencyWarning(error)) };
}

/** `compiler`, with its output filtered; every other member is the original's. */
export function filteringCompiler(compiler: Compiler): Compiler {
  return new Proxy(compiler, {
    get(target, property) {
      if (property === "compile") return async (input: Parameters<Compiler["compile"]>[0]) => withoutDependencyWarnings(await target.compile(input));
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export default async (): Promise<Partial<SolidityHooks>> => ({
  async downloadCompilers(context, _compilerConfigs, quiet) {
    if (!quiet && !existsSync(context.config.paths.artifacts)) console.log(FIRST_BUILD_LINE);
  },
  async getCompiler(context, compilerConfig, next) {
    return filteringCompiler(await next(context, compilerConfig));
  },
});
