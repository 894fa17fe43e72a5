/**
 * One place where the governor scripts turn a failure into one line: contract reverts are decoded
 * by name with the contracts' ABIs (Governor, Timelock, AccessManager, token, market), never shown
 * as a bare selector such as `0x5ead8eb5`, and viem's multi-line messages are cut to their short
 * message. `runCli` prints `explainError(error)`; `sendPlanned` uses it for a refused transaction.
 */
import { BaseError, decodeErrorResult, parseAbi, toFunctionSelector, type Abi, type Hex } from "viem";
import { formatAbiItem } from "viem/utils";

import { depinferGovernorAbi } from "../../sdk/src/abis/depinferGovernor.js";
import { depinferTimelockAbi } from "../../sdk/src/abis/depinferTimelock.js";
import { depinferTokenAbi } from "../../sdk/src/abis/depinferToken.js";
import { depinferErrorsAbi } from "../../sdk/src/errors/contract.js";

/** The Governor's proposal states, by their index in `IGovernor.ProposalState`. */
export const ProposalState = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;
/** The Timelock's operation states, by their index in `TimelockController.OperationState`. */
export const OperationState = ["Unset", "Waiting", "Ready", "Done"] as const;

/** OpenZeppelin's AccessManager errors (contracts/access/manager/IAccessManager.sol 5.7). */
export const accessManagerErrorsAbi = parseAbi([
  "error AccessManagerAlreadyScheduled(bytes32 operationId)",
  "error AccessManagerNotScheduled(bytes32 operationId)",
  "error AccessManagerNotReady(bytes32 operationId)",
  "error AccessManagerExpired(bytes32 operationId)",
  "error AccessManagerLockedRole(uint64 roleId)",
  "error AccessManagerLockedFunction(bytes4 selector)",
  "error AccessManagerBadConfirmation()",
  "error AccessManagerUnauthorizedAccount(address msgsender, uint64 roleId)",
  "error AccessManagerUnauthorizedCall(address caller, address target, bytes4 selector)",
  "error AccessManagerUnauthorizedConsume(address target)",
  "error AccessManagerUnauthorizedCancel(address msgsender, address caller, address target, bytes4 selector)",
  "error AccessManagerInvalidInitialAdmin(address initialAdmin)",
]);

/** Where each error comes from, for the message; the first contract that declares a name wins. */
const SOURCES: [string, Abi][] = [
  ["Governor", depinferGovernorAbi as Abi],
  ["Timelock", depinferTimelockAbi as Abi],
  ["AccessManager", accessManagerErrorsAbi as Abi],
  ["DepinferToken", depinferTokenAbi as Abi],
  ["JobMarket", depinferErrorsAbi as unknown as Abi],
];

type AbiError = Extract<Abi[number], { type: "error" }>;

const sourceOf = new Map<string, string>();
/** Every error the scripts can meet, each selector once. */
export const governanceErrorsAbi: AbiError[] = (() => {
  const bySelector = new Map<string, AbiError>();
  for (const [source, abi] of SOURCES) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const selector = toFunctionSelector(formatAbiItem(item).replace(/^error /, "function "));
      if (bySelector.has(selector)) continue;
      bySelector.set(selector, item);
      sourceOf.set(item.name, source);
    }
  }
  return [...bySelector.values()];
})();

/** A revert decoded by name. */
export interface DecodedRevert {
  /** The contract that declares it ("Governor", "Timelock", "AccessManager", "DepinferToken", "JobMarket"). */
  source: string;
  errorName: string;
  args: readonly unknown[];
  /** The error with its arguments and, for the common ones, what it means. One line. */
  message: string;
}

const show = (v: unknown) => (typeof v === "bigint" ? v.toString() : typeof v === "string" ? v : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)));

/** The names of the bits set in a state bitmap (`bytes32`, bit i = state i). */
function statesOf(bitmap: Hex, names: readonly string[]) {
  const bits = BigInt(bitmap);
  return names.filter((_n, i) => (bits >> BigInt(i)) & 1n);
}

/** What the common Governor, Timelock and AccessManager errors mean, in words. */
function hint(name: string, args: readonly unknown[]): string | undefined {
  switch (name) {
    case "GovernorUnexpectedProposalState": {
      const [id, current, expected] = args as [bigint, number, Hex];
      return `proposal ${id} is ${ProposalState[current] ?? current}, and this step needs it ${statesOf(expected, ProposalState).join(" or ")}`;
    }
    case "TimelockUnexpectedOperationState": {
      const [, expected] = args as [Hex, Hex];
      const wanted = statesOf(expected, OperationState);
      return wanted.includes("Ready")
        ? "the operation is not Ready: not queued, or its Timelock delay has not passed yet"
        : `the operation is not ${wanted.join(" or ")}`;
    }
    case "GovernorInsufficientProposerVotes": {
      const [proposer, votes, threshold] = args as [string, bigint, bigint];
      return `${proposer} has ${votes} votes, below the proposal threshold of ${threshold}: delegate votes to it first (npm run delegate)`;
    }
    case "GovernorAlreadyCastVote":
      return `${args[0]} has already voted on this proposal`;
    case "GovernorNonexistentProposal":
      return `no proposal ${args[0]} on this Governor: propose it first`;
    case "GovernorRestrictedProposer":
      return `${args[0]} may not propose this description (it names another proposer)`;
    case "TimelockInsufficientDelay":
      return `a delay of ${args[0]} s is below the Timelock's minimum of ${args[1]} s`;
    case "TimelockUnexecutedPredecessor":
      return `the operation's predecessor ${args[0]} has not executed`;
    case "AccessControlUnauthorizedAccount":
      return `${args[0]} does not hold the Timelock role ${args[1]}`;
    case "AccessManagedUnauthorized":
      return `${args[0]} holds no role that may call this function (AccessManager)`;
    case "AccessManagerUnauthorizedAccount":
      return `${args[0]} does not hold AccessManager role ${args[1]}`;
    case "AccessManagerUnauthorizedCall":
      return `${args[0]} may not call ${args[2]} on ${args[1]}`;
    case "AccessManagerNotReady":
      return "the scheduled operation's delay has not passed";
    default:
      return undefined;
  }
}

/** Decodes revert data with the Governor, Timelock, AccessManager, token and market ABIs; undefined if unknown. */
export function decodeRevert(data: Hex): DecodedRevert | undefined {
  try {
    const { errorName, args = [], abiItem } = decodeErrorResult({ abi: governanceErrorsAbi, data });
    const item = abiItem as AbiError;
    const rendered = (args as readonly unknown[]).map((a, i) => `${item.inputs[i]?.name || `arg${i}`}: ${show(a)}`).join(", ");
    const source = sourceOf.get(errorName) ?? "contract";
    const meaning = hint(errorName, args);
    return { source, errorName, args, message: `${source} error ${errorName}(${rendered})${meaning ? `: ${meaning}` : ""}` };
  } catch {
    return undefined;
  }
}

const isRevertData = (v: unknown): v is Hex => typeof v === "string" && /^0x[0-9a-fA-F]{8,}$/.test(v);

/** The revert data anywhere in an error's cause chain (viem errors, the node's JSON-RPC error), if any. */
export function revertData(error: unknown): Hex | undefined {
  const seen = new Set<unknown>();
  for (let e = error as Record<string, unknown> | undefined; e && typeof e === "object" && !seen.has(e); e = e.cause as Record<string, unknown> | undefined) {
    seen.add(e);
    const data = e.data as unknown;
    if (isRevertData(data)) return data;
    if (data && typeof data === "object" && isRevertData((data as Record<string, unknown>).data)) return (data as Record<string, Hex>).data;
    if (isRevertData(e.raw)) return e.raw;
  }
  // Some nodes only put it in the message: "execution reverted: custom error 0x5ead8eb5…".
  const text = error instanceof Error ? error.message : String(error);
  return /(?:revert|custom error)[^\n]*?(0x[0-9a-fA-F]{8,})/.exec(text)?.[1] as Hex | undefined;
}

/**
 * One line for an error: a contract revert by name (with what it means, for the common Governor,
 * Timelock and AccessManager errors), a viem error by its short message, anything else by its message.
 */
export function explainError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const fromChain = error instanceof BaseError || "code" in error || "data" in error;
  if (fromChain) {
    const data = revertData(error);
    if (data) return decodeRevert(data)?.message ?? `reverted with error data ${data} (not an error of the Governor, Timelock, AccessManager, token or market)`;
    if (error instanceof BaseError) {
      const details = error.details && !error.shortMessage.includes(error.details) ? ` (${error.details.split("\n")[0]})` : "";
      return `${error.shortMessage}${details}`.replace(/\s*\n\s*/g, " ");
    }
  }
  return error.message;
}
