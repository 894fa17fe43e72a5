/**
 * `npm run delegate -- --network <name> [--to <address>] [--account <i>] [--yes]`
 *
 * The first step of governing: DPI votes count only once delegated (ERC20Votes), to oneself or to
 * someone else. This delegates the DPI of wallet `--account` (default 0) to `--to` (default: the
 * wallet itself) after printing the call, then says how many votes the delegatee has against the
 * Governor's proposal threshold and quorum.
 *
 * The Governor counts votes one clock tick back, so a fresh delegation counts from the next block.
 * On a local chain (chain id 31337), where an automining node makes no block until the next
 * transaction, the script mines one, a second later (the clock is block time), so that `npm run params` (and every proposal) sees the votes at
 * once. On other chains it says to wait for the next block.
 */
import { network } from "hardhat";
import { encodeFunctionData, formatUnits, getAddress, isAddress, isAddressEqual, zeroAddress, type Abi, type Address, type Hex } from "viem";

import { depinferGovernorAbi } from "../../sdk/src/abis/depinferGovernor.js";
import { depinferTokenAbi } from "../../sdk/src/abis/depinferToken.js";
import { isLocalChain } from "../deploy/config.js";
import { confirmCalls, isMain, loadDeployment, parseCli, runCli, sendPlanned, type CliSpec } from "../lib/cli.js";
import { ACCOUNT_OPTION, walletAt, type Log } from "./change.js";

export const cli = {
  command: "npm run delegate",
  summary:
    "delegate your DPI votes (to yourself by default), the first step of governing: undelegated tokens do not count toward the " +
    "proposal threshold or the quorum. On a local chain it mines a block so that the votes count at once.",
  usage: ["--network <name> [--to <address>] [--account <i>] [--yes]"],
  options: {
    to: { type: "string", value: "<address>", help: "the delegatee (default: the sending wallet itself)" },
    account: { ...ACCOUNT_OPTION, help: "the token holder: index of the network's accounts (default 0)" },
  },
  notes: ["Then: npm run params -- --network <name> … (or roles, unpause, release) to propose a change."],
  examples: ["npm run delegate -- --network localhost --yes", "npm run delegate -- --network sepolia --account 1 --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
} as const satisfies CliSpec;

export interface DelegateResult {
  holder: Address;
  delegatee: Address;
  /** Whether this run sent the delegation (false: already delegated, or declined). */
  sent: boolean;
  hash?: Hex;
  /** The delegatee's votes as the Governor counts them now (one tick back). */
  votes: bigint;
  threshold: bigint;
  /** Whether a block was mined so that the votes count (local chains only). */
  mined: boolean;
}

export async function delegate(argv = process.argv.slice(2), log: Log = console.log): Promise<DelegateResult> {
  const args = parseCli(cli, argv);
  if (args.positionals.length) throw new Error(`unexpected argument "${args.positionals[0]}": the delegatee is an option, --to <address>`);
  if (args.to !== undefined && (!isAddress(args.to, { strict: false }) || BigInt(args.to) === 0n)) {
    throw new Error(`--to ${args.to}: expected a non-zero 0x address`);
  }
  const deployment = loadDeployment(args.network);
  const { token, governor } = deployment.contracts;
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const wallet = await walletAt(connection, args.account);
    const holder = getAddress(wallet.account.address);
    const delegatee = getAddress(args.to ?? holder);
    const local = isLocalChain(await publicClient.getChainId());
    const read = <T>(address: Address, abi: Abi, functionName: string, fnArgs: unknown[] = []) =>
      publicClient.readContract({ address, abi, functionName, args: fnArgs } as never) as Promise<T>;
    /** The delegatee's votes one clock tick back: what propose and the quorum count. */
    const countedVotes = async () => read<bigint>(token, depinferTokenAbi as Abi, "getPastVotes", [delegatee, BigInt(await read<number>(governor, depinferGovernorAbi as Abi, "clock")) - 1n]);

    const [balance, current, threshold] = await Promise.all([
      read<bigint>(token, depinferTokenAbi as Abi, "balanceOf", [holder]),
      read<Address>(token, depinferTokenAbi as Abi, "delegates", [holder]),
      read<bigint>(governor, depinferGovernorAbi as Abi, "proposalThreshold"),
    ]);
    const dpi = (v: bigint) => `${formatUnits(v, 18)} DPI`;
    log(`DPI holder ${holder} on ${args.network}: balance ${dpi(balance)}, votes delegated to ${current === zeroAddress ? "nobody (they count for no one)" : current}`);
    if (balance === 0n) log(`Note: ${holder} holds no DPI now; a delegation still applies to whatever it receives later.`);

    let sent = false;
    let hash: Hex | undefined;
    if (isAddressEqual(current, delegatee)) {
      log(`Already delegated to ${delegatee}: nothing to send.`);
    } else {
      const call = {
        from: `holder ${holder}`,
        to: token,
        target: "DepinferToken",
        abi: depinferTokenAbi as Abi,
        data: encodeFunctionData({ abi: depinferTokenAbi, functionName: "delegate", args: [delegatee] }),
      };
      if (!(await confirmCalls([call], args.yes, log))) {
        return { holder, delegatee, sent: false, votes: await countedVotes(), threshold, mined: false };
      }
      hash = (await sendPlanned(wallet, publicClient, call, "delegate")).hash;
      sent = true;
      log(`Delegated (${hash}).`);
    }

    // The Governor reads votes one tick back: the delegation counts once a later block exists.
    let mined = false;
    const now = await read<bigint>(token, depinferTokenAbi as Abi, "getVotes", [delegatee]);
    if ((await countedVotes()) !== now) {
      if (local) {
        // The clock is block time: the block must be at least a second later than the delegation's,
        // which a node mining within the same second would not give.
        await connection.provider.request({ method: "evm_increaseTime", params: [1] });
        await connection.provider.request({ method: "evm_mine", params: [] });
        mined = true;
        log("Local chain: mined one block (a second later) so that the Governor counts the new votes.");
      } else {
        log("The votes count from the next block (the Governor reads them one block back): wait for it before proposing.");
      }
    }
    const votes = await countedVotes();
    const enough = votes >= threshold;
    log(
      `${delegatee} has ${dpi(votes)} of votes as the Governor counts them; the proposal threshold is ${dpi(threshold)}: ` +
        (enough ? `it may propose (npm run params -- --network ${args.network} …).` : `it may vote, but proposing needs ${dpi(threshold - votes)} more.`),
    );
    return { holder, delegatee, sent, hash, votes, threshold, mined };
  } finally {
    await connection.close();
  }
}

if (isMain(import.meta.filename)) runCli("delegate", () => delegate());
