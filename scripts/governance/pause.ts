/**
 * `npm run pause -- --network <name> [--account i] [--yes]`
 *   Emergency pause: the guardian (wallet `--account`, default 0) calls JobMarket.pause() at once.
 *   Pausing stops new business (create, accept, stake, deposit); exits, submissions, disputes and
 *   settlement stay open.
 *
 * `npm run unpause -- --network <name> [--description text] [--account i] [--yes]`
 *   Unpausing is admin-only (the Timelock), so it is a Governor proposal: this plans it, saves it
 *   and proposes it; `npm run proposal -- --network <name> <id> vote|queue|execute` does the rest.
 */
import { network } from "hardhat";
import { encodeFunctionData, toFunctionSelector, type Abi } from "viem";

import { jobMarketAbi } from "../../sdk/src/abis/jobMarket.js";
import { confirmCalls, loadDeployment, parseCli, sendPlanned, type CliSpec, type PlannedCall } from "../lib/cli.js";
import { accessManagerAbi, ROLE_IDS } from "./roles.js";
import { ACCOUNT_OPTION, DESCRIPTION_OPTION, isMain, proposeChange, runCli, walletAt, type Log, type ProposeResult } from "./change.js";

export const pauseCli = {
  command: "npm run pause",
  summary:
    "the guardian's emergency pause: JobMarket.pause() at once, no vote. It stops new business (create, accept, stake, deposit); " +
    "exits, submissions, disputes and settlement stay open. Unpausing takes a vote: npm run unpause.",
  usage: ["--network <name> [--account <i>] [--yes]"],
  options: { account: { ...ACCOUNT_OPTION, help: "the guardian: index of the network's accounts (default 0)" } },
  examples: ["npm run pause -- --network localhost --account 0 --yes"],
} as const satisfies CliSpec;

export const unpauseCli = {
  command: "npm run unpause",
  summary:
    "propose JobMarket.unpause() through the Governor (unpausing is the Timelock's, so it takes a vote); " +
    "then npm run proposal -- --network <name> <id> vote|queue|execute.",
  usage: ["--network <name> [--description <text>] [--account <i>] [--yes]"],
  options: { account: ACCOUNT_OPTION, description: DESCRIPTION_OPTION },
  examples: ["npm run unpause -- --network localhost --yes"],
} as const satisfies CliSpec;

async function isPaused(publicClient: { readContract: (req: never) => Promise<unknown> }, market: `0x${string}`) {
  const settings = (await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "settings" } as never)) as readonly unknown[];
  return settings[4] as boolean;
}

export interface PauseResult {
  paused: boolean;
  sent: boolean;
  hash?: `0x${string}`;
}

/** The guardian pauses the market. */
export async function pause(argv = process.argv.slice(2), log: Log = console.log): Promise<PauseResult> {
  const args = parseCli(pauseCli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}"`);
  const deployment = loadDeployment(args.network);
  const market = deployment.contracts.market;
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const wallet = await walletAt(connection, args.account);
    const guardian = wallet.account.address;
    if (await isPaused(publicClient as never, market)) {
      log(`The market ${market} is already paused: nothing to do. To unpause: npm run unpause -- --network ${args.network}`);
      return { paused: true, sent: false };
    }
    const [allowed, delay] = await publicClient.readContract({
      address: deployment.contracts.manager,
      abi: accessManagerAbi,
      functionName: "canCall",
      args: [guardian, market, toFunctionSelector("pause()")],
    });
    if (!allowed) {
      const note = delay > 0 ? ` (only after a scheduled delay of ${delay} s)` : "";
      throw new Error(
        `${guardian} may not pause the market${note}: it does not hold the GUARDIAN role (${ROLE_IDS.guardian}). ` +
          `Pick the guardian's wallet with --account, or appoint one: npm run roles -- --network ${args.network} grant guardian <address>. Nothing sent.`,
      );
    }
    const call: PlannedCall = {
      from: `guardian ${guardian}`,
      to: market,
      target: "JobMarket",
      abi: jobMarketAbi as Abi,
      data: encodeFunctionData({ abi: jobMarketAbi, functionName: "pause" }),
    };
    log(`Emergency pause of the market ${market} on ${args.network}: stops create, accept, stake and deposit at once.`);
    if (!(await confirmCalls([call], args.yes, log))) return { paused: false, sent: false };
    const { hash } = await sendPlanned(wallet, publicClient, call, "pause");
    const paused = await isPaused(publicClient as never, market);
    log(`Paused (${hash}). Unpausing needs a governance vote and the Timelock delay: npm run unpause -- --network ${args.network}`);
    return { paused, sent: true, hash };
  } finally {
    await connection.close();
  }
}

/** Proposes JobMarket.unpause() through the Governor (the Timelock executes it). */
export async function unpause(argv = process.argv.slice(2), log: Log = console.log): Promise<ProposeResult> {
  const args = parseCli(unpauseCli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}"`);
  const deployment = loadDeployment(args.network);
  const market = deployment.contracts.market;
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    if (!(await isPaused(publicClient as never, market))) {
      throw new Error(`The market ${market} is not paused: there is nothing to unpause. Nothing sent.`);
    }
    const wallet = await walletAt(connection, args.account);
    return await proposeChange(
      { connection, deployment, network: args.network, wallet, yes: args.yes, title: "Unpause the job market", description: args.description },
      [{ to: market, target: "JobMarket", abi: jobMarketAbi as Abi, functionName: "unpause", args: [] }],
      log,
    );
  } finally {
    await connection.close();
  }
}

/** `tsx scripts/governance/pause.ts pause|unpause …` (package.json's "pause" and "unpause"). */
if (isMain(import.meta.filename)) {
  const [which, ...rest] = process.argv.slice(2);
  if (which === "unpause") runCli("unpause", () => unpause(rest));
  else if (which === "pause") runCli("pause", () => pause(rest));
  else runCli("pause", () => Promise.reject(new Error(`expected "pause" or "unpause" first, got "${which ?? ""}"`)));
}
