/**
 * `npm run advance -- <duration> [--network <name>]`
 *
 * For rehearsals on a local node only: moves the chain's clock forward by `<duration>` (seconds, or
 * 90s, 30m, 2h, 7d, 1d12h) and mines a block, so that a proposal's voting delay, voting period and
 * Timelock delay pass in seconds instead of days. It refuses on any chain but the local one (chain
 * id 31337), before sending anything: a public chain's clock is not ours to move.
 */
import { network } from "hardhat";

import { isLocalChain, LOCAL_CHAIN_ID } from "./deploy/config.js";
import { isMain, parseCli, runCli, type CliSpec } from "./lib/cli.js";
import { formatDuration, parseDuration } from "./lib/governance.js";

export const cli = {
  command: "npm run advance",
  summary:
    `for rehearsals on a local node (chain id ${LOCAL_CHAIN_ID}) only: move the chain's clock forward and mine a block, so that voting ` +
    "delays, voting periods and the Timelock delay pass at once. Refused on any other chain.",
  usage: ["<duration> [--network <name>]"],
  options: {},
  sends: false,
  notes: ["<duration>: seconds, or a number with a unit, combinable: 90s, 30m, 2h, 7d, 1d12h."],
  examples: ["npm run advance -- --network localhost 1d", "npm run advance -- --network localhost 172801"],
} as const satisfies CliSpec;

export interface AdvanceResult {
  chainId: number;
  seconds: bigint;
  /** The latest block's timestamp before and after. */
  from: bigint;
  to: bigint;
  block: bigint;
}

export async function advance(argv = process.argv.slice(2), log: (line: string) => void = console.log): Promise<AdvanceResult> {
  const args = parseCli(cli, argv);
  const [raw, ...extra] = args.positionals;
  if (!raw) throw new Error("expected a duration, e.g. npm run advance -- --network localhost 1d (see --help)");
  if (extra.length) throw new Error(`unexpected argument "${extra[0]}": expected one duration`);
  const seconds = parseDuration(raw);
  if (seconds === undefined || seconds === 0n) throw new Error(`"${raw}" is not a positive duration: expected seconds, or 90s, 30m, 2h, 7d, 1d12h`);

  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const chainId = await publicClient.getChainId();
    if (!isLocalChain(chainId)) {
      throw new Error(
        `Refusing to move time on ${args.network}: it is chain ${chainId}, not a local chain (${LOCAL_CHAIN_ID}). ` +
          "advance is for rehearsals on a local node; on a real network, wait. Nothing sent.",
      );
    }
    const before = await publicClient.getBlock();
    await connection.provider.request({ method: "evm_increaseTime", params: [Number(seconds)] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    const after = await publicClient.getBlock();
    const at = (t: bigint) => `${new Date(Number(t) * 1000).toISOString()} (unix ${t})`;
    log(`Local chain ${chainId} on ${args.network}: moved the clock ${formatDuration(seconds)} forward and mined block ${after.number}.`);
    log(`  chain time ${at(before.timestamp)} -> ${at(after.timestamp)}`);
    return { chainId, seconds, from: before.timestamp, to: after.timestamp, block: after.number };
  } finally {
    await connection.close();
  }
}

if (isMain(import.meta.filename)) runCli("advance", () => advance());
