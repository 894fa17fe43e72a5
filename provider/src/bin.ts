#!/usr/bin/env node
// The `depinfer-provider` command. It checks the Node.js version before loading anything that
// needs a newer one (the journal uses `node:sqlite`), so an old Node gets one clear line instead
// of a stack trace, and it keeps SQLite's ExperimentalWarning from operators' logs.
const MINIMUM = [22, 13] as const;
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  process.stderr.write(
    `depinfer-provider: needs Node.js ${MINIMUM.join(".")} or later (its journal uses node:sqlite); this is Node.js ${process.versions.node}. Install Node.js 22 LTS or later and run it again.\n`,
  );
  process.exit(1);
}

const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  const text = typeof warning === "string" ? warning : warning.message;
  const name = typeof warning === "string" ? type : warning.name;
  if (name === "ExperimentalWarning" && /SQLite/i.test(text)) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

await import("./cli.js");
