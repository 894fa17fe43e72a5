import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import { parseEventLogs } from "viem";

import { redundancyModuleAbi } from "../../abis/redundancyModule.js";
import type { ModuleAllowanceExceededError } from "../../errors/contract.js";
import type {
  RedundancyBadDeadlineError,
  RedundancyCollateralOutOfRangeError,
  RedundancyModelUnsupportedError,
  RedundancyNotDistinctError,
  RedundancyProviderCountError,
  RedundancyProviderIneligibleError,
  RedundancyTokenNotAllowedError,
  RedundancyTransferMismatchError,
  RedundancyZeroPriceError,
} from "../../errors/redundancy.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { assertHasCode, assertAddress, assertAmount, resolveAccount } from "../../utils/validate.js";
import { waitForSuccess } from "../../utils/transactions.js";
import { writeModule } from "../writeModule.js";
import { redundancyModule } from "./write.js";

export interface RequestRedundancyParameters {
  /** The RedundancyModule's address. */
  module: Address;
  /** A registered EXACT or TOLERANT model. */
  model: Hex;
  /** An allow-listed payment token. */
  token: Address;
  /** What each agreeing provider is paid (before the protocol fee); the client escrows `providers.length × price`. */
  price: bigint;
  /** sha256 of the input bytes (deliver the input to the providers off-chain, as for a job). */
  inputHash: Hex;
  /** Unix time by which the providers must commit. */
  commitDeadline: bigint | number;
  /** The k (2 to 8) distinct providers, each with an active offer for the model in `token` at or below `price`. */
  providers: readonly Address[];
  /** Approve the module for the escrow first when the allowance is short (default true). */
  approve?: boolean | undefined;
  /** Who signs (default: the client's account). */
  account?: Account | Address | undefined;
}

/** The request's reverts, typed, plus the SDK's input and wallet errors. */
export type RequestRedundancyErrorType =
  | RedundancyProviderCountError
  | RedundancyZeroPriceError
  | RedundancyBadDeadlineError
  | RedundancyModelUnsupportedError
  | RedundancyTokenNotAllowedError
  | RedundancyCollateralOutOfRangeError
  | RedundancyProviderIneligibleError
  | RedundancyNotDistinctError
  | RedundancyTransferMismatchError
  | ModuleAllowanceExceededError
  | TokenRevertedError
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | SimulateContractErrorType
  | WriteContractErrorType;

export interface RequestRedundancyReturnType {
  hash: Hash;
  /** The request id the simulation returned (the mined id, unless another request landed first: use the Sync variant to be sure). */
  id: bigint;
}

/**
 * Asks `providers.length` independent providers for the same inference: escrows `k × price` in the
 * redundancy module (approving it first if needed) and names the seats. Each provider then commits and
 * reveals; agreeing results are paid, a disagreement decides itself or goes to the arbiter
 * (docs/protocol.md 7.8).
 *
 * @example
 * const { id } = await requestRedundancySync(wallet, {
 *   module, model, token: usdc, price: 2_000_000n, inputHash: sha256(input),
 *   commitDeadline: now + 3600n, providers: [alice, bob, carol],
 * });
 */
export async function requestRedundancy<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: RequestRedundancyParameters,
): Promise<RequestRedundancyReturnType> {
  const { module, model, token, price, inputHash, commitDeadline, providers, approve = true } = parameters;
  assertAddress("module", module);
  assertAddress("token", token);
  assertAmount("price", price, { bound: "uint96" });
  providers.forEach((p, i) => assertAddress(`providers[${i}]`, p));
  const signer = resolveAccount(client, parameters.account, "requestRedundancy");
  await assertHasCode(client, module, "module");
  if (approve) await ensureAllowance(client, token, module, price * BigInt(providers.length), { account: signer });
  const { hash, result } = await writeModule(client, {
    ...redundancyModule,
    address: module,
    functionName: "request",
    args: [{ model, token, price, inputHash, commitDeadline: Number(commitDeadline) }, providers],
    account: signer,
    action: "requestRedundancy",
    token,
  });
  return { hash, id: result as bigint };
}

export interface RequestRedundancySyncReturnType {
  hash: Hash;
  /** The mined request's id. */
  id: bigint;
  /** The collateral each provider locks when it commits (stake-token units). */
  collateral: bigint;
}

/**
 * {@link requestRedundancy}, then waits for the receipt and returns the id and collateral from the
 * `RedundancyRequested` event. Throws `TransactionRevertedError` if it was mined but reverted.
 *
 * @example
 * const { id, collateral } = await requestRedundancySync(wallet, { module, model, token, price, inputHash, commitDeadline, providers });
 */
export async function requestRedundancySync<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: RequestRedundancyParameters,
): Promise<RequestRedundancySyncReturnType> {
  const { hash } = await requestRedundancy(client, parameters);
  const receipt = await waitForSuccess(client, hash, "requestRedundancy");
  const [log] = parseEventLogs({ abi: redundancyModuleAbi, eventName: "RedundancyRequested", logs: receipt.logs });
  if (!log) throw new Error(`transaction ${hash} emitted no RedundancyRequested event`);
  return { hash, id: log.args.id, collateral: log.args.collateral };
}
