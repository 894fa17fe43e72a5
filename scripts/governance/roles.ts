/**
 * `npm run roles -- --network <name> grant|revoke arbitrator|guardian <address> [--yes]`
 *   Proposes AccessManager.grantRole / revokeRole for the ARBITRATOR (may rule on disputes) or
 *   GUARDIAN (may pause) role. Roles are the AccessManager's, whose only admin is the Timelock, so
 *   every change is a Governor proposal. A guardian also holds the Timelock's CANCELLER_ROLE (its
 *   veto on queued operations), so granting or revoking "guardian" moves that role too.
 *
 * `npm run roles -- --network <name> allow-token <address> <bondFloor> <stakeRate> [--yes]`
 * `npm run roles -- --network <name> remove-token <address> [--yes]`
 *   Proposes JobMarket.configurePaymentToken: allow-list a payment token with its bond floor (token
 *   units) and stake rate (stake-token units per token unit, scaled by 1e18), or stop new jobs in it
 *   (its bond floor and stake rate are kept, for the jobs still open in it).
 *
 * Common options: `--description text` (the proposal's description), `--account i` (the proposer).
 * Then: `npm run proposal -- --network <name> <id> vote|queue|execute`.
 */
import { network } from "hardhat";
import { erc20Abi, getAddress, isAddress, parseAbi, zeroAddress, type Abi, type Address } from "viem";

import { depinferTimelockAbi } from "../../sdk/src/abis/depinferTimelock.js";
import { jobMarketAbi } from "../../sdk/src/abis/jobMarket.js";
import { loadDeployment, parseCli, type CliSpec } from "../lib/cli.js";
import { CANCELLER_ROLE } from "../lib/governance.js";
import { ACCOUNT_OPTION, DESCRIPTION_OPTION, isMain, proposeChange, runCli, walletAt, type Log, type ProposalCall, type ProposeResult } from "./change.js";

/** AccessManager role ids (contracts/governance/Roles.sol). */
export const ROLE_IDS = { guardian: 1n, arbitrator: 2n } as const;
export type RoleName = keyof typeof ROLE_IDS;

/** The parts of OpenZeppelin's AccessManager the scripts use. */
export const accessManagerAbi = parseAbi([
  "function grantRole(uint64 roleId, address account, uint32 executionDelay)",
  "function revokeRole(uint64 roleId, address account)",
  "function hasRole(uint64 roleId, address account) view returns (bool isMember, uint32 executionDelay)",
  "function canCall(address caller, address target, bytes4 selector) view returns (bool immediate, uint32 delay)",
]);

/** Bounds of configurePaymentToken (JobMarketBase.MAX_STAKE_RATE, the uint96 bond floor). */
const MAX_STAKE_RATE = 10n ** 36n;
const MAX_BOND_FLOOR = 2n ** 96n - 1n;

const USAGE =
  "usage: npm run roles -- --network <name> grant|revoke arbitrator|guardian <address>\n" +
  "       npm run roles -- --network <name> allow-token <address> <bondFloor> <stakeRate>\n" +
  "       npm run roles -- --network <name> remove-token <address>";

export const cli = {
  command: "npm run roles",
  summary:
    "propose a change of who may do what, through the Governor: appoint or remove an arbitrator (rules on disputes) or a guardian " +
    "(pauses, and vetoes queued proposals), or allow or remove a payment token.",
  usage: [
    "--network <name> grant|revoke arbitrator|guardian <address> [--description <text>] [--account <i>] [--yes]",
    "--network <name> allow-token <address> <bondFloor> <stakeRate> [--description <text>] [--account <i>] [--yes]",
    "--network <name> remove-token <address> [--description <text>] [--account <i>] [--yes]",
  ],
  options: { account: ACCOUNT_OPTION, description: DESCRIPTION_OPTION },
  notes: [
    "bondFloor is in payment-token units; stakeRate is stake-token units per token unit, scaled by 1e18.",
    "Then: npm run proposal -- --network <name> <id> vote|queue|execute",
  ],
  examples: [
    "npm run roles -- --network localhost grant arbitrator 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --yes",
    "npm run roles -- --network localhost revoke guardian 0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "npm run roles -- --network localhost allow-token 0x5FbDB2315678afecb367f032d93F642f64180aa3 1000000 1000000000000000000000000000000",
  ],
} as const satisfies CliSpec;

function address(raw: string | undefined, what: string): Address {
  if (!raw || !isAddress(raw, { strict: false })) throw new Error(`${what}: expected a 0x address, got "${raw ?? ""}"\n${USAGE}`);
  const a = getAddress(raw);
  if (a === zeroAddress) throw new Error(`${what}: the zero address is not allowed`);
  return a;
}

function wholeNumber(raw: string | undefined, what: string): bigint {
  if (!raw || !/^\d+$/.test(raw.replace(/_/g, ""))) throw new Error(`${what}: expected a whole number, got "${raw ?? ""}"\n${USAGE}`);
  return BigInt(raw.replace(/_/g, ""));
}

export async function roles(argv = process.argv.slice(2), log: Log = console.log): Promise<ProposeResult> {
  const args = parseCli(cli, argv);
  const [action, ...rest] = args.positionals;
  const deployment = loadDeployment(args.network);
  const { manager, market, timelock } = deployment.contracts;
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const calls: ProposalCall[] = [];
    let title: string;

    if (action === "grant" || action === "revoke") {
      const [role, who, ...extra] = rest;
      if (role !== "arbitrator" && role !== "guardian") throw new Error(`expected "arbitrator" or "guardian" after "${action}", got "${role ?? ""}"\n${USAGE}`);
      if (extra.length) throw new Error(`unexpected argument "${extra[0]}"\n${USAGE}`);
      const account = address(who, `${action} ${role}`);
      const roleId = ROLE_IDS[role];
      const [isMember] = await publicClient.readContract({ address: manager, abi: accessManagerAbi, functionName: "hasRole", args: [roleId, account] });
      if (action === "grant" && isMember) throw new Error(`${account} already holds the ${role} role (${roleId}): nothing to propose.`);
      if (action === "revoke" && !isMember) throw new Error(`${account} does not hold the ${role} role (${roleId}): nothing to propose.`);
      // The guardian's other power: cancelling queued operations in the Timelock (its own AccessControl role).
      const mayCancel =
        role === "guardian" &&
        (await publicClient.readContract({ address: timelock, abi: depinferTimelockAbi, functionName: "hasRole", args: [CANCELLER_ROLE, account] }));
      if (action === "grant") {
        calls.push({ to: manager, target: "AccessManager", abi: accessManagerAbi as Abi, functionName: "grantRole", args: [roleId, account, 0] });
        if (role === "guardian" && !mayCancel) {
          calls.push({ to: timelock, target: "DepinferTimelock", abi: depinferTimelockAbi as Abi, functionName: "grantRole", args: [CANCELLER_ROLE, account] });
        }
        title = `Appoint ${account} as ${role}`;
      } else {
        calls.push({ to: manager, target: "AccessManager", abi: accessManagerAbi as Abi, functionName: "revokeRole", args: [roleId, account] });
        if (mayCancel) {
          calls.push({ to: timelock, target: "DepinferTimelock", abi: depinferTimelockAbi as Abi, functionName: "revokeRole", args: [CANCELLER_ROLE, account] });
          log("Note: the guardian may cancel this proposal's operation in the Timelock once it is queued (its veto covers its own removal).");
        }
        title = `Revoke the ${role} role of ${account}`;
        log(
          role === "arbitrator"
            ? "Note: with no arbitrator left, open disputes can only be cancelled after their deadline (the result then stands)."
            : "Note: with no guardian left, nobody can pause the market in an emergency.",
        );
      }
    } else if (action === "allow-token" || action === "remove-token") {
      const [rawToken, rawFloor, rawRate, ...extra] = rest;
      const token = address(rawToken, action);
      const code = await publicClient.getCode({ address: token });
      if (!code || code === "0x") throw new Error(`${token} has no code on ${args.network}: not a token contract. Nothing to propose.`);
      const current = await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "paymentToken", args: [token] });
      const symbol = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: "symbol" }).catch(() => "?");
      const decimals = await publicClient.readContract({ address: token, abi: erc20Abi, functionName: "decimals" }).catch(() => undefined);
      log(`Token ${token} (${symbol}${decimals === undefined ? "" : `, ${decimals} decimals`}): now ${current.allowed ? "allowed" : "not allowed"}, bond floor ${current.bondFloor}, stake rate ${current.stakeRate}`);
      if (action === "allow-token") {
        if (extra.length) throw new Error(`unexpected argument "${extra[0]}"\n${USAGE}`);
        const bondFloor = wholeNumber(rawFloor, "bondFloor");
        const stakeRate = wholeNumber(rawRate, "stakeRate");
        if (bondFloor > MAX_BOND_FLOOR) throw new Error(`bondFloor = ${bondFloor} is out of bounds: allowed 0 to ${MAX_BOND_FLOOR} (uint96). Nothing to propose.`);
        if (stakeRate === 0n || stakeRate > MAX_STAKE_RATE) {
          throw new Error(`stakeRate = ${stakeRate} is out of bounds: allowed 1 to ${MAX_STAKE_RATE} (stake units per token unit, scaled by 1e18). Nothing to propose.`);
        }
        if (current.allowed && current.bondFloor === bondFloor && current.stakeRate === stakeRate) {
          throw new Error(`${token} is already allowed with this bond floor and stake rate: nothing to propose.`);
        }
        calls.push({ to: market, target: "JobMarket", abi: jobMarketAbi as Abi, functionName: "configurePaymentToken", args: [token, true, bondFloor, stakeRate] });
        title = `Allow-list payment token ${symbol} ${token} (bond floor ${bondFloor}, stake rate ${stakeRate})`;
      } else {
        if (rawFloor !== undefined) throw new Error(`unexpected argument "${rawFloor}"\n${USAGE}`);
        if (!current.allowed) throw new Error(`${token} is not an allowed payment token: nothing to propose.`);
        calls.push({
          to: market,
          target: "JobMarket",
          abi: jobMarketAbi as Abi,
          functionName: "configurePaymentToken",
          args: [token, false, current.bondFloor, current.stakeRate],
        });
        title = `Remove payment token ${symbol} ${token} from the allow-list`;
      }
    } else {
      throw new Error(`unknown action "${action ?? ""}"\n${USAGE}`);
    }

    const wallet = await walletAt(connection, args.account);
    return await proposeChange({ connection, deployment, network: args.network, wallet, yes: args.yes, title, description: args.description }, calls, log);
  } finally {
    await connection.close();
  }
}

if (isMain(import.meta.filename)) runCli("roles", () => roles());
