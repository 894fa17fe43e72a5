import {
  bytesToHex,
  parseEventLogs,
  parseSignature,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type Transport,
} from "viem";
import { getBlock, readContract, signTypedData } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import type { Job } from "../../types.js";
import { contentHash, toContentBytes } from "../../utils/content.js";
import { ensureAllowance, erc20Abi } from "../../utils/erc20.js";
import { prepareWrite } from "../../utils/action.js";
import { waitForSuccess } from "../../utils/transactions.js";
import {
  assertAddress,
  assertAmount,
  assertChain,
  assertDeadline,
  assertFunds,
  assertHasCode,
  assertPriceMeetsOffer,
} from "../../utils/validate.js";
import { simulateAndWrite } from "../../utils/write.js";
import {
  InsufficientBalanceError,
  type AccountNotFoundError,
  type DeadlineExpiredError,
  type InsufficientAllowanceError,
  type InvalidAddressError,
  type InvalidAmountError,
  type NoContractError,
  type PriceBelowOfferError,
  type TransactionRevertedError,
  type WrongChainError,
} from "../../errors/validation.js";
import type {
  AmountTooLargeError,
  EnforcedPauseError,
  ERC20InsufficientAllowanceError,
  ERC20InsufficientBalanceError,
  FeeOnTransferTokenError,
  JobDeadlineTooFarError,
  PaymentTokenNotAllowedError,
  SafeERC20FailedOperationError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import { marketEvents } from "../../utils/marketEvents.js";

const permitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** The token's EIP-2612 domain and the owner's nonce, or undefined if it has no (ERC-5267) permit. */
async function permitSupport(client: Client<Transport, Chain | undefined, Account | undefined>, token: Address, owner: Address) {
  try {
    const [domain, nonce] = await Promise.all([
      readContract(client, { address: token, abi: erc20Abi, functionName: "eip712Domain" }),
      readContract(client, { address: token, abi: erc20Abi, functionName: "nonces", args: [owner] }),
    ]);
    const [, name, version, chainId, verifyingContract] = domain;
    return { domain: { name, version, chainId, verifyingContract }, nonce };
  } catch {
    return undefined;
  }
}

/** Inputs up to this size travel inline in calldata (and are checked on-chain against their hash). */
export const MAX_INLINE_INPUT = 1024;

export interface SubmitJobParameters {
  /** The job market (a decorated client fills it in from the deployment). */
  market: Address;
  /** The model id that must run. */
  model: Hex;
  /** The input bytes (or text); its sha2-256 digest becomes the job's `inputHash`. */
  input: Uint8Array | Hex | string;
  /** Escrowed payment, in `token` units: positive, at most 2^96 − 1 (the market's `price` is a uint96). */
  price: bigint;
  /** The allow-listed ERC-20 that pays. */
  token: Address;
  /** The provider the job is for; omit for a job open to any eligible provider. */
  provider?: Address;
  /** Seconds the provider has to submit, from now (default 3600). */
  timeout?: number;
  /** Pay from the client's balance in the market instead of a token transfer. */
  fromBalance?: boolean;
  /** When the allowance is short: sign an EIP-2612 permit if the token supports it (default), or always approve. */
  authorization?: "auto" | "approve";
  /** Makes otherwise identical jobs distinct (default: random); at most 2^64 − 1. */
  nonce?: bigint;
  /** Who signs and pays (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

export interface SubmitJobReturnType {
  jobId: Hex;
  /** The job's terms: every later call about the job needs them. */
  job: Job;
  hash: Hash;
}

/**
 * Refused before any request: bad addresses, a price that is zero or above its uint96 bound
 * (`InvalidAmountError`), no account (`AccountNotFoundError`). Then, before anything is sent: a
 * market or token without code (`NoContractError`), the wrong chain, short funds, a price below the
 * provider's offer. Then the token's refusal of the approval (`TokenRevertedError`, decoded), or the
 * market's typed reverts.
 */
export type SubmitJobErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | WrongChainError
  | DeadlineExpiredError
  | InsufficientBalanceError
  | InsufficientAllowanceError
  | PriceBelowOfferError
  | TokenRevertedError
  | TransactionRevertedError
  | PaymentTokenNotAllowedError
  | EnforcedPauseError
  | AmountTooLargeError
  | JobDeadlineTooFarError
  | FeeOnTransferTokenError
  | SafeERC20FailedOperationError
  | ERC20InsufficientAllowanceError
  | ERC20InsufficientBalanceError
  | Error;

/**
 * Escrows the price and creates a job. When the allowance is short (and not `fromBalance`), it
 * signs an EIP-2612 permit for exactly the price if the token supports one, so the job takes one
 * transaction; otherwise it sends an approval first (for a USDT-style token with a non-zero
 * allowance, a reset to 0 before it, as such tokens require). The job id and terms are known before the
 * transaction is mined.
 *
 * @example
 * const { jobId, job, hash } = await submitJob(walletClient, {
 *   market, model, input: "What is 2 + 2?", price: 2_000_000n, token: usdc, provider,
 * });
 */
export async function submitJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: SubmitJobParameters,
): Promise<SubmitJobReturnType> {
  const { market, model, input, price, token, provider, timeout = 3600, fromBalance = false } = parameters;
  // Bad input is refused before any request, with an error that says what to fix.
  assertAddress("market", market);
  assertAddress("token", token);
  if (provider !== undefined) assertAddress("provider", provider);
  assertAmount("price", price, { bound: "uint96" });
  if (parameters.nonce !== undefined) assertAmount("nonce", parameters.nonce, { allowZero: true, bound: "uint64" });
  const bytes = toContentBytes(input);
  const account = await prepareWrite(client, { market, account: parameters.account, action: "submitJob" });
  await assertHasCode(client, token, "token");
  // Deadlines are chain time: a local chain may run ahead of the wall clock.
  const chainNow = (await getBlock(client, { blockTag: "latest" })).timestamp;
  assertDeadline(chainNow + BigInt(timeout), chainNow + 1n);
  await Promise.all([
    assertChain(client),
    assertPriceMeetsOffer(client, { market, provider, model, price }),
    fromBalance ? assertMarketBalance(client, market, token, price, account.address) : assertFunds(client, { token, account: account.address, amount: price, checkAllowance: false }),
  ]);
  const request = {
    provider: provider ?? "0x0000000000000000000000000000000000000000",
    token,
    price,
    model,
    inputHash: contentHash(bytes),
    deadline: Number(chainNow + BigInt(timeout)),
    nonce: parameters.nonce ?? BigInt(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)),
  } as const;
  const inline: Hex = bytes.length <= MAX_INLINE_INPUT ? bytesToHex(bytes) : "0x";

  let functionName: "createJob" | "createJobFromBalance" | "createJobWithPermit" = fromBalance
    ? "createJobFromBalance"
    : "createJob";
  let permitArgs: readonly [bigint, number, Hex, Hex] | undefined;
  if (!fromBalance) {
    const allowance = await readContract(client, {
      address: token,
      abi: erc20Abi,
      functionName: "allowance",
      args: [account.address, market],
    });
    if (allowance < price) {
      const permit = parameters.authorization === "approve" ? undefined : await permitSupport(client, token, account.address);
      if (permit) {
        const permitDeadline = chainNow + BigInt(timeout);
        const signature = await signTypedData(client, {
          account,
          domain: permit.domain,
          types: permitTypes,
          primaryType: "Permit",
          message: { owner: account.address, spender: market, value: price, nonce: permit.nonce, deadline: permitDeadline },
        });
        const { r, s, v, yParity } = parseSignature(signature);
        permitArgs = [permitDeadline, Number(v ?? BigInt(yParity + 27)), r, s];
        functionName = "createJobWithPermit";
      } else {
        await ensureAllowance(client, token, market, price, { account });
      }
    }
  }

  const { result, hash } = await simulateAndWrite(
    client,
    market,
    jobMarketAbi,
    functionName,
    permitArgs ? [request, inline, ...permitArgs] : [request, inline],
    { account, token },
  );
  const [jobId, job] = result as [Hex, Job];
  return { jobId, job, hash };
}

/** Throws `InsufficientBalanceError` when the caller's balance in the market is below `amount`. */
async function assertMarketBalance(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  market: Address,
  token: Address,
  amount: bigint,
  owner: Address,
) {
  const available = await readContract(client, {
    address: market,
    abi: jobMarketAbi,
    functionName: "claimable",
    args: [owner, token],
  });
  if (available < amount) throw new InsufficientBalanceError({ token, account: owner, needed: amount, available });
}

/** The event submitJobSync reads from the receipt. */
const CREATED_EVENT = marketEvents("JobCreated");

/**
 * Like {@link submitJob}, then waits for the receipt and returns the decoded `JobCreated` event.
 * A transaction that is mined but reverts throws `TransactionRevertedError` with its hash.
 *
 * @example
 * const { jobId, job, receipt } = await submitJobSync(walletClient, { market, model, input, price, token });
 */
export async function submitJobSync<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: SubmitJobParameters,
) {
  const { hash } = await submitJob(client, parameters);
  const receipt = await waitForSuccess(client, hash, "createJob");
  const [event] = parseEventLogs({ abi: CREATED_EVENT, logs: receipt.logs });
  return { jobId: event.args.jobId as Hex, job: event.args.job as Job, receipt, hash };
}
