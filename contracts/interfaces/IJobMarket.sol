// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId, ModelId} from "../types/Ids.sol";

/// @title Types of the Depinfer job market
/// @notice Units: `price`, bonds and client balances are in the job's payment token's smallest
///         unit; `collateral`, stake and slashes are in the protocol (stake) token's smallest unit.
///         Ratios are basis points (1 bps = 0.01 %, 10_000 bps = 1x). Times are unix seconds.
interface IJobMarketTypes {
    /// @notice How reproducible a model's output is.
    /// @dev EXACT: the output bytes are reproducible; TOLERANT: equal within a tolerance; NONE: not reproducible.
    enum Determinism {
        EXACT,
        TOLERANT,
        NONE
    }

    /// @notice The state of a job. States only move forward. Expired, Cancelled and Slashed are
    ///         terminal; Finalized is terminal for payments, and moves to Slashed only if an
    ///         equivocation is proven within `POST_SETTLEMENT_REPORT_WINDOW` (3 days) of settlement.
    enum JobStatus {
        None, //       0: no such job
        Created, //    1: escrowed, waiting for a provider
        Accepted, //   2: a provider locked collateral and is computing
        Submitted, //  3: result attested, challenge window running
        Disputed, //   4: a challenger posted a bond; the verifier module decides
        Finalized, //  5: provider paid (terminal)
        Expired, //    6: no result by the deadline; client refunded, provider slashed for liveness (terminal)
        Cancelled, //  7: escrow back to the client: cancelled before acceptance, or a dispute nobody ruled on (terminal)
        Slashed //     8: fraud proven (dispute upheld or equivocation); client refunded (terminal)
    }

    /// @notice A verifier module's verdict on a dispute.
    enum Outcome {
        Upheld, //   the provider lied: slash, refund the client, reward the winning challenger, pay the arbitration
        Rejected, // the result stands: each bond pays the arbitration, the rest compensates the provider
        Draw //      undecidable: the result stands; each bond pays the arbitration and the rest is returned
    }

    /// @notice Why `acceptAndSubmitBatch` skipped a job (it changed no state for it).
    enum SubmitSkip {
        NotCreated, //        0: not `Created`: cancelled, expired, taken, submitted, earlier in the same batch, or unknown (no such job)
        NotForProvider, //    1: an open job, or a direct job for another provider than the batch's
        DeadlinePassed, //    2: `block.timestamp > job.deadline`
        BadSignature, //      3: malformed, high-s, or not by the provider's current signer key
        StakeInsufficient //  4: its collateral does not fit in the free stake left by the jobs before it
    }

    /// @notice The immutable terms of a job. The job id is `keccak256(abi.encode(job))`; every call
    ///         about a job passes these terms back, so the contract stores only a one-slot state.
    /// @param client Who paid the escrow and receives refunds.
    /// @param provider The provider the job is for, or zero for a job open to any eligible provider.
    /// @param token The allow-listed ERC-20 that pays for the job.
    /// @param price Escrowed payment, in `token` units.
    /// @param collateral Stake locked on acceptance, in stake-token units (snapshot of
    ///        `price × collateralRatioBps × stakeRate`).
    /// @param model The model that must run.
    /// @param inputHash The sha2-256 digest of the input bytes (the digest of a CIDv1 raw/sha2-256).
    /// @param deadline The result must be submitted at or before this time.
    /// @param paramsVersion The parameter snapshot this job is bound to (see `paramsAt`).
    /// @param nonce A client-chosen number that makes otherwise identical jobs distinct.
    struct Job {
        address client;
        address provider;
        address token;
        uint96 price;
        uint96 collateral;
        ModelId model;
        bytes32 inputHash;
        uint40 deadline;
        uint32 paramsVersion;
        uint64 nonce;
    }

    /// @notice What a client asks for; the contract turns it into a `Job` with the current snapshot.
    struct JobRequest {
        address provider;
        address token;
        uint96 price;
        ModelId model;
        bytes32 inputHash;
        uint40 deadline;
        uint64 nonce;
    }

    /// @notice The mutable state of a job: one storage slot.
    /// @param status Where the job is in its life.
    /// @param provider The provider that accepted it (zero before acceptance).
    /// @param timestamp When the job last changed status (accepted, submitted or settled).
    /// @param challengeWindow The job's challenge window, from its parameter snapshot, cached here at
    ///        creation (the slot is written then anyway) so that finalizing reads no parameter history.
    ///        At most 72 h, so 24 bits hold it.
    /// @param protocolFeeBps The job's protocol fee, cached likewise. In storage, bit 15 (`0x8000`) also marks a
    ///        job that pays the verification fee (its class was routed to the verification-fee module when
    ///        it was created); the `jobState` view returns the fee without that bit, and
    ///        `paysVerificationFee` reads the bit.
    /// @param signerEpoch The provider's signer epoch when it accepted the job. Only keys that became the
    ///        provider's signer at or after this epoch are evidence against the job, so a key retired
    ///        before the job was accepted can never be used to slash it.
    struct JobState {
        JobStatus status;
        address provider;
        uint40 timestamp;
        uint24 challengeWindow;
        uint16 protocolFeeBps;
        uint8 signerEpoch;
    }

    /// @notice The job-bound parameters. A job keeps the snapshot it was created with.
    /// @param challengeWindow Seconds after submission during which a dispute may be opened (1 h – 72 h).
    /// @param disputeResolutionPeriod Seconds a verifier has to decide a dispute (1 d – 14 d).
    /// @param collateralRatioBps Collateral per unit of price (10_000 – 1_000_000, i.e. 1x – 100x).
    /// @param protocolFeeBps Share of the price paid to the treasury on finalization (≤ 1_000).
    /// @param challengerShareBps Share of a slash paid to the winning challenger or reporter, and of a liveness
    ///        slash to the client (≤ 5_000); the rest, less any arbitration fee, goes to the treasury.
    /// @param livenessSlashBps Slash for a missed deadline, per unit of price (≤ collateralRatioBps).
    /// @param bondRatioBps Dispute bond per unit of price (10_000 – 1_000_000); at least the token's bond floor.
    /// @param disputeFeeBps The arbitration fee: this share of each challenger's bond, paid by the loser to
    ///        the dispute's verifier module. When the result stands the bonds pay it; when it does not the
    ///        slash pays the same value in stake at the job's own rate (`collateral / price` over the
    ///        collateral ratio), so a module earns the same whichever way it rules (≤ 5_000).
    /// @param verificationFeeBps Share of the price paid at settlement to the verification-fee module
    ///        (`setVerificationFeeModule`) on every job whose class is routed to that module when the job is
    ///        created; zero for every other class (≤ 1_000). It pays the module's base-rate checks.
    struct Params {
        uint32 challengeWindow;
        uint32 disputeResolutionPeriod;
        uint32 collateralRatioBps;
        uint16 protocolFeeBps;
        uint16 challengerShareBps;
        uint32 livenessSlashBps;
        uint32 bondRatioBps;
        uint16 disputeFeeBps;
        uint16 verificationFeeBps;
    }

    /// @notice How a payment token is accepted.
    /// @param allowed Whether new jobs may be paid in it.
    /// @param bondFloor The smallest dispute bond, in token units.
    /// @param stakeRate Stake-token units of collateral per token unit of price, scaled by 1e18.
    struct TokenConfig {
        bool allowed;
        uint96 bondFloor;
        uint128 stakeRate;
    }

    /// @notice A provider's stake and standing. The first slot is what accepting a job reads.
    struct ProviderInfo {
        uint96 staked; //          bonded stake, free + locked, excluding thawing
        uint96 locked; //          collateral of open jobs and of module locks
        uint40 jailedUntil; //     may not accept jobs before this time
        uint8 signerEpoch; //      how many times the signer key was rotated (see `signerKeyEpoch`)
        bool offersPaused; //      open jobs are not offered to it
        bool registered;
        address signer; //         the key that signs attestations
        uint96 thawing; //         sum of pending thaw requests (still slashable)
        uint40 missWindowStart;
        uint8 livenessMisses; //   misses in the current 24 h window
        uint8 thawHead;
        uint8 thawTail;
        uint96 slashDebt; //       part of a post-settlement slash that free and thawing stake could not
        //                         cover; paid from free stake before any unstake (see `collectSlashDebt`)
    }

    /// @notice One queued unstake.
    struct ThawRequest {
        uint96 amount;
        uint40 readyAt;
    }

    /// @notice A provider's offer for one model.
    struct Offer {
        address token;
        uint96 price;
        uint32 maxLatency;
        bool active;
    }

    /// @notice A registered model.
    struct Model {
        bool registered;
        Determinism determinism;
        address registrant;
    }

    /// @notice An account's balance of one token in the market.
    /// @param available What the account may claim or spend on jobs.
    /// @param feesOwed Protocol fees on this provider's earnings, not yet moved to the treasury. They
    ///        ride in the earnings slot so that finalizing a job writes one balance, not two; they
    ///        move to `treasuryAccrued` when the provider claims or anyone calls `collectFees`.
    /// @param verificationFeesOwed Verification fees on this provider's earnings, not yet moved to the
    ///        verification-fee module's balance; in the same slot for the same reason. They move when the
    ///        provider claims or anyone calls `collectVerificationFees`. A fee that would overflow either
    ///        64-bit field is credited to its destination directly instead.
    struct Balance {
        uint128 available;
        uint64 feesOwed;
        uint64 verificationFeesOwed;
    }

    /// @notice An open dispute. Every challenger posts the same `bond`; the first is `challenger`,
    ///         later ones (who joined) are listed by `disputeChallengers`.
    struct Dispute {
        address challenger;
        uint96 bond;
        address verifier;
        uint40 deadline;
        uint8 challengers;
    }

    /// @notice What a module may hold of one provider's stake.
    /// @param allowance The most the provider lets the module lock at once (set by the provider).
    /// @param locked What the module has locked now; only this much can it release or slash.
    struct ModuleStake {
        uint96 allowance;
        uint96 locked;
    }

    /// @notice Everything a payment-session module reads from the market to open a session, in one call
    ///         (`sessionQuote`), or handed to it by `openSessionFromBalance`.
    /// @param moduleActive Whether the module is an active module (`isModule`).
    /// @param tokenAllowed Whether the payment token is allow-listed (`paymentToken(token).allowed`).
    /// @param signerEpoch The provider's signer epoch now.
    /// @param protocolFeeBps The current protocol fee.
    /// @param collateralRatioBps The current collateral ratio.
    /// @param challengeWindow The current challenge window, in seconds.
    /// @param stakeRate The token's stake rate (stake units per token unit, scaled by 1e18).
    /// @param offer The provider's offer for the model.
    struct SessionQuote {
        bool moduleActive;
        bool tokenAllowed;
        uint8 signerEpoch;
        uint16 protocolFeeBps;
        uint32 collateralRatioBps;
        uint32 challengeWindow;
        uint128 stakeRate;
        Offer offer;
    }
}

/// @title Errors of the Depinfer job market
/// @notice Every error names its component and carries the values that caused it.
interface IJobMarketErrors {
    // --- generic ---
    error ZeroAddress();
    error EnforcedPause();
    error AmountZero();
    error AmountTooLarge(uint256 amount, uint256 max);
    error FeeOnTransferToken(address token, uint256 expected, uint256 received);
    error NothingToClaim(address account, address token);
    error ClaimExceedsBalance(address account, address token, uint256 requested, uint256 available);
    error BatchEmpty();
    error BatchTooLarge(uint256 length, uint256 max);
    error BatchLengthMismatch(uint256 jobs, uint256 outputHashes, uint256 signatures);

    // --- parameters ---
    error ParamOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    error ThawingPeriodTooShort(uint256 thawingPeriod, uint256 required);
    error TokenStakeRateZero(address token);

    // --- models and providers ---
    error ModelAlreadyRegistered(ModelId model);
    error ModelNotRegistered(ModelId model);
    error ProviderAlreadyRegistered(address provider);
    error ProviderNotRegistered(address provider);
    error ProviderInJail(address provider, uint256 jailedUntil);
    error ProviderBelowMinStake(address provider, uint256 staked, uint256 minStake);
    error ProviderOffersPaused(address provider);
    /// @dev A key that already served this provider cannot serve it again: its epoch decides what it is evidence for.
    error ProviderSignerReused(address provider, address signer);
    error ProviderSignerRotationsExhausted(address provider, uint256 maxRotations);
    error OfferNotActive(address provider, ModelId model);
    error OfferTokenMismatch(address provider, ModelId model, address offeredToken, address jobToken);
    error OfferPriceAboveJobPrice(address provider, ModelId model, uint256 offerPrice, uint256 jobPrice);

    // --- staking ---
    error StakeInsufficientFree(address provider, uint256 requested, uint256 free);
    error StakeThawQueueFull(address provider, uint256 maxRequests);
    error StakeNothingToWithdraw(address provider, uint256 nextReadyAt);

    // --- jobs ---
    error PaymentTokenNotAllowed(address token);
    error JobDeadlineInPast(uint256 deadline, uint256 nowTime);
    error JobDeadlineTooFar(uint256 deadline, uint256 maxDeadline);
    error JobAlreadyExists(JobId jobId);
    /// @dev No job has this id: usually the terms passed differ from those the job was created with.
    error JobUnknown(JobId jobId);
    error JobWrongStatus(JobId jobId, IJobMarketTypes.JobStatus status);
    error JobNotClient(JobId jobId, address caller, address client);
    error JobNotForProvider(JobId jobId, address provider, address designated);
    error JobNotDirect(JobId jobId);
    error JobDeadlinePassed(JobId jobId, uint256 deadline, uint256 nowTime);
    /// @dev An open job's deadline must leave the provider at least its offer's `maxLatency`.
    error JobDeadlineBelowLatency(JobId jobId, uint256 deadline, uint256 earliest);
    error JobDeadlineNotReached(JobId jobId, uint256 deadline, uint256 nowTime);
    error JobChallengeWindowOpen(JobId jobId, uint256 endsAt, uint256 nowTime);
    error JobChallengeWindowClosed(JobId jobId, uint256 endedAt, uint256 nowTime);
    error JobInputHashMismatch(bytes32 inputHash, bytes32 computed);

    // --- attestations ---
    error AttestationInvalidSignature(JobId jobId);
    error AttestationWrongSigner(JobId jobId, address recovered, address expected);
    error EquivocationSameOutput(JobId jobId, bytes32 outputHash);
    error EquivocationReportTooLate(JobId jobId, uint256 deadline, uint256 nowTime);

    // --- disputes ---
    error DisputeNoVerifier(IJobMarketTypes.Determinism determinism);
    error DisputeNotVerifier(JobId jobId, address caller, address verifier);
    error DisputeResolutionPending(JobId jobId, uint256 deadline, uint256 nowTime);
    error DisputeResolutionClosed(JobId jobId, uint256 deadline, uint256 nowTime);
    /// @dev The provider, or its current signer key, disputed its own job.
    error DisputeByProvider(JobId jobId, address caller);
    error DisputeFull(JobId jobId, uint256 maxChallengers);
    error DisputeAlreadyJoined(JobId jobId, address challenger);
    error DisputeUnknownChallenger(JobId jobId, uint256 index, uint256 challengers);

    // --- modules ---
    error ModuleNotActive(address module);
    error ModuleStillActive(address module);
    error ModuleAllowanceExceeded(address module, address provider, uint256 requested, uint256 allowance);
    error ModuleLockExceeded(address module, address provider, uint256 requested, uint256 locked);
    /// @notice `openSessionFromBalance` named an active module that did not answer `onSessionFunded` with its
    ///         selector (not a payment-session module).
    error ModuleNotSessionReceiver(address module);

    // --- the extension ---
    /// @dev `setExtension` (or the constructor) was given an address with no code, or the market itself.
    error JobMarketExtensionInvalid(address extension);
}

/// @title Events of the Depinfer job market
/// @notice Emitted right after the state change they describe. Parties are indexed.
interface IJobMarketEvents {
    event ParamsUpdated(uint32 indexed version, IJobMarketTypes.Params params);
    event ThawingPeriodUpdated(uint32 thawingPeriod);
    event MinStakeUpdated(uint96 minStake);
    event TreasuryUpdated(address treasury);
    event PaymentTokenConfigured(address indexed token, bool allowed, uint96 bondFloor, uint128 stakeRate);
    event VerifierUpdated(IJobMarketTypes.Determinism indexed determinism, address verifier);
    /// @dev The periphery code changed (`setExtension`); `previous` is zero at deployment.
    event ExtensionUpdated(address indexed previous, address indexed extension);
    event Paused(address account);
    event Unpaused(address account);

    event ModelRegistered(
        ModelId indexed model,
        address indexed registrant,
        bytes32 weightsHash,
        bytes32 runtimeDigest,
        IJobMarketTypes.Determinism determinism,
        string metadataURI
    );
    event ProviderRegistered(address indexed provider, address signer, string metadataURI);
    event ProviderUpdated(address indexed provider, address signer, string metadataURI);
    event OfferSet(address indexed provider, ModelId indexed model, address token, uint96 price, uint32 maxLatency, bool active);
    event OffersPaused(address indexed provider, bool paused);

    event Staked(address indexed provider, uint256 amount);
    event UnstakeRequested(address indexed provider, uint256 amount, uint256 readyAt);
    event StakeWithdrawn(address indexed provider, uint256 amount);
    event ProviderSlashed(address indexed provider, JobId indexed jobId, uint256 amount);
    event ProviderJailed(address indexed provider, uint256 until);

    event JobCreated(JobId indexed jobId, address indexed client, address indexed provider, IJobMarketTypes.Job job);
    event JobInput(JobId indexed jobId, bytes input);
    event JobAccepted(JobId indexed jobId, address indexed provider);
    /// @notice A result was attested. `r` and `vs` are the provider signer's EIP-712 attestation in EIP-2098
    ///         compact form (`vs = s | (v - 27) << 255`): the 65-byte signature is `r ‖ s ‖ v`.
    event ResultSubmitted(JobId indexed jobId, address indexed provider, bytes32 outputHash, bytes32 r, bytes32 vs);
    /// @notice The provider was paid. The amounts follow from the job's terms (`JobCreated`) and its fee
    ///         snapshot, as for `JobsFinalized`: `fee = price × protocolFeeBps / 10_000` (rounded down),
    ///         `payout = price − fee − vfee`, with `protocolFeeBps` from `jobState(jobId)` (also `params(job.paramsVersion)`),
    ///         and `vfee = price × verificationFeeBps / 10_000` (rounded down, `params(job.paramsVersion)`) when
    ///         `paysVerificationFee(jobId)`, else zero.
    event JobFinalized(JobId indexed jobId, address indexed provider);
    event JobExpired(JobId indexed jobId, address indexed client, uint256 refund, uint256 slashed);
    event JobCancelled(JobId indexed jobId, address indexed client, uint256 refund);

    /// @notice The jobs a `finalizeJobs` call finalized, in order (it emits no `JobFinalized` for them).
    ///         Each was paid `price − fee` at its own fee snapshot, as `JobFinalized` would have said.
    event JobsFinalized(JobId[] jobIds);
    event JobFinalizeSkipped(JobId indexed jobId, IJobMarketTypes.JobStatus status);
    /// @dev One per job that `acceptAndSubmitBatch` skipped; the job is untouched.
    event JobSubmitSkipped(JobId indexed jobId, IJobMarketTypes.SubmitSkip reason);

    event DisputeOpened(
        JobId indexed jobId, address indexed challenger, address verifier, uint256 bond, uint256 deadline, string evidence
    );
    event DisputeJoined(JobId indexed jobId, address indexed challenger, uint256 index, uint256 bond, string evidence);
    /// @param winner The challenger whose evidence won (zero unless upheld).
    /// @param arbitrationFee Paid to the verifier module: in the stake token when upheld, else in the job's token.
    event DisputeResolved(
        JobId indexed jobId,
        IJobMarketTypes.Outcome outcome,
        address indexed winner,
        uint256 slashed,
        uint256 challengerReward,
        uint256 arbitrationFee
    );
    /// @param bondsReturned Every challenger's bond, returned in full.
    event DisputeCancelled(JobId indexed jobId, uint256 bondsReturned);
    event SlashDebtRecorded(address indexed provider, JobId indexed jobId, uint256 amount);
    event SlashDebtPaid(address indexed provider, uint256 amount);

    event ModuleSet(address indexed module, bool active);
    event ModuleAllowanceSet(address indexed provider, address indexed module, uint256 allowance);
    event ModuleStakeLocked(address indexed module, address indexed provider, uint256 amount);
    event ModuleStakeReleased(address indexed module, address indexed provider, uint256 amount);
    event ModuleStakeSlashed(
        address indexed module, address indexed provider, uint256 amount, address beneficiary, uint256 reward
    );
    event EquivocationProven(JobId indexed jobId, address indexed reporter, bytes32 outputA, bytes32 outputB, uint256 slashed);

    event Deposited(address indexed account, address indexed token, uint256 amount);
    /// @notice `openSessionFromBalance` moved `amount` of `client`'s balance in `token` to the session module `module`.
    event SessionFundedFromBalance(address indexed client, address indexed module, address indexed token, uint256 amount);
    event FeesCollected(address indexed provider, address indexed token, uint256 amount);
    /// @notice Verification fees a provider owed in `token` were credited to `module`'s balance (the
    ///         treasury's accrual when no module is set: `module` is then zero).
    event VerificationFeesCollected(address indexed provider, address indexed token, address indexed module, uint256 amount);
    /// @notice `module` now takes the verification fee on the classes set in `classMask` (bit `d` for
    ///         `Determinism(d)`): those whose verifier it is. Zero: no class pays it.
    event VerificationFeeModuleSet(address indexed module, uint8 classMask);
    event Claimed(address indexed account, address indexed token, address to, uint256 amount);
    event TreasurySwept(address indexed token, address indexed treasury, uint256 amount);
}

/// @title Staking and the job lifecycle of the Depinfer job market (the hot path)
/// @notice Served by `JobMarket` itself; see `IJobMarket` for the whole surface.
interface IJobMarketCore is IJobMarketTypes, IJobMarketErrors, IJobMarketEvents {
    // ------------------------------------------------------------------ staking

    /// @notice Adds `amount` of the stake token to the caller's stake (pulled with transferFrom).
    /// @dev Reverts with `ProviderNotRegistered`, `AmountZero`, or `AmountTooLarge`.
    function stake(uint256 amount) external;

    /// @notice Queues `amount` of free stake for withdrawal after `thawingPeriod`. Thawing stake
    ///         no longer backs jobs but stays slashable by equivocation proofs until withdrawn.
    ///         Any slash debt is paid from free stake first (see `collectSlashDebt`).
    /// @dev Reverts with `AmountZero`, `StakeInsufficientFree` (free stake after paying the debt) or `StakeThawQueueFull`.
    function requestUnstake(uint256 amount) external;

    /// @notice Withdraws the caller's matured thaw requests, oldest first, stopping at the first
    ///         that has not matured (requests leave the queue in order), to the caller.
    /// @dev Reverts with `StakeNothingToWithdraw`. Bounded by the thaw queue size.
    /// @return amount What was withdrawn.
    function withdrawStake() external returns (uint256 amount);

    // ------------------------------------------------------------------ jobs

    /// @notice Escrows `request.price` (pulled with transferFrom after an approval) and creates a job.
    /// @param input Optional inline input; when non-empty its sha256 must equal `request.inputHash`.
    /// @dev The model's registration is not checked here (it would cost every job a storage read):
    ///      a direct job's provider consents to the model by attesting, and an open job can only be
    ///      accepted under an offer, which requires a registered model. The SDK checks it before sending.
    ///      Reverts with `EnforcedPause`, `PaymentTokenNotAllowed`, `AmountZero`, `AmountTooLarge`,
    ///      `JobDeadlineInPast`, `JobDeadlineTooFar`, `JobAlreadyExists`, `JobInputHashMismatch` or `FeeOnTransferToken`.
    function createJob(JobRequest calldata request, bytes calldata input) external returns (JobId jobId, Job memory job);

    /// @notice Like `createJob`, but first applies an EIP-2612 permit for the escrow.
    /// @dev A permit that fails (for example front-run) is ignored; the transfer then needs an allowance.
    function createJobWithPermit(
        JobRequest calldata request,
        bytes calldata input,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (JobId jobId, Job memory job);

    /// @notice Like `createJob`, but pays from the caller's balance in this contract (deposits, refunds, earnings).
    /// @dev Reverts with `ClaimExceedsBalance` when the balance is short.
    function createJobFromBalance(JobRequest calldata request, bytes calldata input) external returns (JobId jobId, Job memory job);

    /// @notice The provider accepts a job and locks `job.collateral` of its free stake.
    /// @dev Callable by the designated provider, or by any eligible provider for an open job.
    ///      Reverts with `JobWrongStatus`, `JobNotForProvider`, `JobDeadlinePassed`, `ProviderNotRegistered`,
    ///      `ProviderInJail`, `ProviderBelowMinStake`, `StakeInsufficientFree`, and for open jobs
    ///      `ProviderOffersPaused`, `OfferNotActive`, `OfferTokenMismatch`, `OfferPriceAboveJobPrice` or
    ///      `JobDeadlineBelowLatency` (an open job must leave the provider at least its offer's
    ///      `maxLatency`: nobody can be slashed for a deadline it could not meet). A direct job names
    ///      its provider, whose acceptance is its own judgement of the deadline.
    function acceptJob(Job calldata job) external;

    /// @notice Posts the result commitment with the provider's EIP-712 attestation. Anyone may relay it.
    /// @dev Reverts with `JobWrongStatus`, `JobDeadlinePassed`, `AttestationInvalidSignature` or `AttestationWrongSigner`.
    function submitResult(Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice Accepts a direct job and posts its result in one call. The attestation is the
    ///         provider's consent to the job, so anyone may relay it. Emits only `ResultSubmitted`
    ///         (a `ResultSubmitted` with no `JobAccepted` before it means this path was taken).
    /// @dev Only for jobs with a designated provider. Reverts as `acceptJob` and `submitResult`.
    function acceptAndSubmit(Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice Accepts and submits many direct jobs of one provider in one call, each with its own
    ///         attestation (`outputHashes[i]`, `signatures[i]` for `jobs[i]`). Anyone may relay it,
    ///         as `acceptAndSubmit`. Each submitted job emits `ResultSubmitted`, exactly as
    ///         `acceptAndSubmit` does. A job that can no longer be taken is skipped, emits
    ///         `JobSubmitSkipped(jobId, reason)` and is left untouched (no state of any kind changes
    ///         for it), so a client cancelling one job, or one stale attestation, never blocks the rest:
    ///         not `Created` (`NotCreated`, also a job repeated in the batch, and terms that match no job
    ///         at all, such as a job whose creation a reorg removed), an open job or one for
    ///         another provider (`NotForProvider`), past its deadline (`DeadlinePassed`), an attestation
    ///         that is malformed or not by the provider's current signer (`BadSignature`), or a
    ///         collateral that no longer fits in the free stake left by the jobs before it
    ///         (`StakeInsufficient`; later, smaller jobs may still fit).
    /// @dev What concerns the whole batch reverts it: `EnforcedPause`, `BatchEmpty`, `BatchTooLarge`
    ///      (more than `MAX_BATCH` jobs), `BatchLengthMismatch`, and the provider's standing, checked once:
    ///      `ProviderNotRegistered`, `ProviderInJail`, `ProviderBelowMinStake`. The provider's stake is
    ///      read and its lock written once per batch. Makes no external call.
    /// @param provider The provider every job must designate.
    /// @return submitted How many jobs were submitted (the rest were skipped).
    function acceptAndSubmitBatch(
        address provider,
        Job[] calldata jobs,
        bytes32[] calldata outputHashes,
        bytes[] calldata signatures
    ) external returns (uint256 submitted);

    /// @notice Pays the provider `price − fee`, the treasury `fee`, and unlocks the collateral.
    /// @dev The client may finalize at any time after submission; anyone may after the challenge window.
    ///      Reverts with `JobWrongStatus` or `JobChallengeWindowOpen`.
    function finalizeJob(Job calldata job) external;

    /// @notice Finalizes many jobs in one call (for example a provider settling a day's work), and emits
    ///         one `JobsFinalized` with their ids. A job that is no longer `Submitted` (finalized early by
    ///         its client, disputed, slashed) is skipped with a `JobFinalizeSkipped` event, so one settled
    ///         job never reverts the whole batch.
    /// @dev Reverts with `BatchEmpty`, `BatchTooLarge`, `JobUnknown` for terms that match no job, or
    ///      `JobChallengeWindowOpen` for a job still in its window.
    /// @return finalized How many jobs were finalized (the rest were skipped).
    function finalizeJobs(Job[] calldata jobs) external returns (uint256 finalized);

    // ------------------------------------------------------------------ the extension (upgradeable periphery)

    /// @notice The code this contract's fallback delegates every selector it does not serve to: the
    ///         registry, balances, governance setters, views, disputes and the module boundary.
    function extension() external view returns (address);

    /// @notice Swaps the periphery: every selector `JobMarket` does not serve runs `extension_`'s code,
    ///         by `delegatecall`, in this contract's storage, from the next call on. The job cycle and
    ///         staking are not affected: they are this contract's own code and cannot change.
    /// @dev Restricted: `ADMIN` (the Timelock) unless the AccessManager maps the selector to another
    ///      role. The new code must keep the storage layout (append-only; `scripts/releases` checks it
    ///      before deploying). Reverts with `AccessManagedUnauthorized` for any other caller, and with
    ///      `JobMarketExtensionInvalid` for an address without code (zero included) or the market itself.
    ///      Emits `ExtensionUpdated`.
    function setExtension(address extension_) external;
}

/// @title Registry, balances, governance and views of the Depinfer job market
/// @notice Served by `JobMarketExtension` through `JobMarket`'s fallback; see `IJobMarket`.
interface IJobMarketExtension is IJobMarketTypes, IJobMarketErrors, IJobMarketEvents {
    // ------------------------------------------------------------------ jobs that end without a result

    /// @notice After the deadline with no result: refunds the client in full and, if a provider had
    ///         accepted, slashes it for liveness. The slash is shared as a dispute's is: the client
    ///         gets `challengerShareBps` of it, the treasury the rest, so a miss never pays a client
    ///         (or a provider acting as its own client) more than half of what it costs the provider.
    ///         Anyone may call. A jail, self-inflicted or not, never waives the slash nor advances the deadline.
    /// @dev Reverts with `JobWrongStatus` or `JobDeadlineNotReached`.
    function expireJob(Job calldata job) external;

    /// @notice The client takes back the escrow of a job that no provider has accepted yet.
    /// @dev Reverts with `JobWrongStatus` or `JobNotClient`.
    function cancelJob(Job calldata job) external;

    // ------------------------------------------------------------------ models and providers

    /// @notice Registers a model. Anyone may register; the id is derived from the commitment.
    /// @dev Reverts with `ModelAlreadyRegistered` if the same commitment exists.
    /// @return model The model id, `keccak256(abi.encode(weightsHash, runtimeDigest, determinism))`.
    function registerModel(bytes32 weightsHash, bytes32 runtimeDigest, Determinism determinism, string calldata metadataURI)
        external
        returns (ModelId model);

    /// @notice Registers the caller as a provider with the key that signs its attestations.
    /// @dev Reverts with `ZeroAddress` for a zero signer and `ProviderAlreadyRegistered` on a second call.
    function registerProvider(address signer, string calldata metadataURI) external;

    /// @notice Rotates the caller's signer key and metadata URI. The new key signs from now on. Each
    ///         key has an epoch; a key is evidence in equivocation proofs only for jobs accepted while it
    ///         or an earlier key was the signer, forever after. So a retired (say, stolen) key can never
    ///         slash a job accepted after it was retired, and no number of rotations, nor any
    ///         parameter change, erases evidence for a job accepted before.
    /// @dev Reverts with `ProviderNotRegistered`, `ZeroAddress`, `ProviderSignerReused` for a key that
    ///      already served this provider, or `ProviderSignerRotationsExhausted` after 254 rotations.
    function updateProvider(address signer, string calldata metadataURI) external;

    /// @notice Sets (or deactivates) the caller's offer for a model.
    /// @dev Reverts with `ProviderNotRegistered`, `ModelNotRegistered`, `PaymentTokenNotAllowed` (when active) or `AmountZero` for a zero price.
    function setOffer(ModelId model, address token, uint96 price, uint32 maxLatency, bool active) external;

    /// @notice Pauses or resumes all of the caller's offers: a paused provider cannot accept open jobs.
    /// @dev Reverts with `ProviderNotRegistered`.
    function setOffersPaused(bool paused) external;

    // ------------------------------------------------------------------ balances

    /// @notice Credits `amount` of `token` to the caller's balance, to pay for jobs later.
    /// @dev Reverts with `PaymentTokenNotAllowed`, `AmountZero` or `FeeOnTransferToken`.
    function deposit(address token, uint256 amount) external;

    /// @notice Sends the caller's whole balance of `token` to `to` (and moves any fees it owes to the treasury).
    /// @dev Reverts with `ZeroAddress` or `NothingToClaim`.
    /// @return amount What was sent.
    function claim(address token, address to) external returns (uint256 amount);

    /// @notice Sends `amount` of the caller's balance of `token` to `to`.
    /// @dev Reverts with `ZeroAddress`, `AmountZero` or `ClaimExceedsBalance`.
    function withdraw(address token, uint256 amount, address to) external;

    /// @notice Moves the protocol fees that `provider` owes in `token` to `treasuryAccrued`. Anyone may call.
    /// @dev Reverts with `NothingToClaim` when none are owed.
    function collectFees(address provider, address token) external returns (uint256 amount);

    /// @notice Moves the fees and slash remainders accrued in `token` to the treasury's claimable
    ///         balance. Anyone may call; the treasury then claims like any account. Accruing to a
    ///         per-token counter keeps a storage read of the treasury address off the finalize path.
    /// @dev Reverts with `NothingToClaim` when nothing has accrued.
    function sweepToTreasury(address token) external returns (uint256 amount);

    // ------------------------------------------------------------------ governance (restricted)

    /// @notice Sets the job-bound parameters; new jobs use the new snapshot, old jobs keep theirs.
    /// @dev Restricted (governance). Reverts with `ParamOutOfBounds` or `ThawingPeriodTooShort`.
    function setParams(Params calldata params) external;

    /// @notice Sets the thaw delay for unstaking. Restricted (governance).
    /// @dev Reverts with `ParamOutOfBounds` (> 28 d) or `ThawingPeriodTooShort`.
    function setThawingPeriod(uint32 thawingPeriod) external;

    /// @notice Sets the minimum stake to accept jobs. Restricted (governance).
    /// @dev Reverts with `ParamOutOfBounds` if above the code cap.
    function setMinStake(uint96 minStake) external;

    /// @notice Sets where protocol fees and slash remainders accrue. Restricted (governance).
    /// @dev Reverts with `ZeroAddress`.
    function setTreasury(address treasury) external;

    /// @notice Allow-lists (or de-lists) a payment token with its bond floor and stake rate. Restricted (governance).
    /// @dev Reverts with `ZeroAddress`, `TokenStakeRateZero` when allowing with a zero rate, or
    ///      `ParamOutOfBounds` for a rate above `MAX_STAKE_RATE`.
    function configurePaymentToken(address token, bool allowed, uint96 bondFloor, uint128 stakeRate) external;

    /// @notice Stops new business (create, accept, stake, deposit). Exits, submissions, disputes and
    ///         settlement stay open. Restricted (guardian).
    function pause() external;

    /// @notice Resumes business. Restricted (governance, through the Timelock).
    function unpause() external;

    // ------------------------------------------------------------------ views

    /// @notice The id of a job: `keccak256(abi.encode(job))`.
    function jobIdOf(Job calldata job) external pure returns (JobId);

    /// @notice The mutable state of a job.
    function jobState(JobId jobId) external view returns (JobState memory);

    /// @notice The open dispute of a job, if any.
    function dispute(JobId jobId) external view returns (Dispute memory);

    /// @notice The current job-bound parameters and their version.
    function params() external view returns (Params memory current, uint32 version);

    /// @notice The parameters snapshot `version`.
    function paramsAt(uint32 version) external view returns (Params memory);

    /// @notice Global settings: stake token, treasury, thawing period, minimum stake, paused.
    function settings()
        external
        view
        returns (address stakeToken, address treasury, uint32 thawingPeriod, uint96 minStake, bool paused);

    /// @notice How a payment token is accepted.
    function paymentToken(address token) external view returns (TokenConfig memory);

    /// @notice The verifier module for a determinism class.
    function verifierOf(Determinism determinism) external view returns (address);

    /// @notice Whether `module` is an active module.
    function isModule(address module) external view returns (bool);

    /// @notice What `module` may lock of `provider`'s stake, and what it has locked.
    function moduleStake(address module, address provider) external view returns (ModuleStake memory);

    /// @notice The epoch at which `signer` became `provider`'s signer key, plus one (zero: never).
    function signerKeyEpoch(address provider, address signer) external view returns (uint256);

    /// @notice Every challenger of the open dispute of `jobId`, first opener first.
    function disputeChallengers(JobId jobId) external view returns (address[] memory challengers);

    /// @notice A model's registration.
    function model(ModelId model) external view returns (Model memory);

    /// @notice A provider's stake, standing and keys.
    function provider(address provider) external view returns (ProviderInfo memory);

    /// @notice A provider's offer for a model.
    function offer(address provider, ModelId model) external view returns (Offer memory);

    /// @notice A provider's pending thaw requests, oldest first.
    function thawRequests(address provider) external view returns (ThawRequest[] memory);

    /// @notice What `account` can claim (or spend on jobs) in `token`.
    function claimable(address account, address token) external view returns (uint256);

    /// @notice Protocol fees on `provider`'s earnings in `token` not yet collected (see `Balance`).
    function feesOwed(address provider, address token) external view returns (uint256);


    /// @notice Fees and slash remainders in `token` collected but not yet swept to the treasury.
    function treasuryAccrued(address token) external view returns (uint256);

    /// @notice The EIP-712 digest a provider's signer signs for a result.
    function attestationDigest(JobId jobId, ModelId model, bytes32 inputHash, bytes32 outputHash, address provider)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 domain separator.
    function domainSeparator() external view returns (bytes32);

    /// @notice EIP-5267: the EIP-712 domain of attestations, for wallets and viem.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        );

    // ------------------------------------------------------------------ payment sessions

    /// @notice Everything a payment-session module reads to open a session of `provider` for `model` paid in
    ///         `token`, in one call: whether `module` is active, whether `token` is allowed and its stake rate,
    ///         the provider's signer epoch and offer, and the current protocol fee, collateral ratio and challenge
    ///         window. Never reverts.
    function sessionQuote(address module, address provider, ModelId model, address token)
        external
        view
        returns (SessionQuote memory quote);

}

/// @title Disputes, equivocation, slash debt and the module boundary of the Depinfer job market
/// @notice Served by `JobMarketDisputes`, reached from `JobMarketExtension`'s fallback (so still at the
///         market's address, in its storage). A module is a contract that governance registered with
///         `setModule`. Its authority is bounded by the core:
///         - a verifier module resolves only the disputes routed to it (its class's verifier when the
///           dispute opened), only before their deadline, and only by choosing an outcome and a winning
///           challenger: every amount is computed here from the job's parameter snapshot, and the most
///           a provider can lose is the job's collateral;
///         - a module locks, releases or slashes a provider's stake only within the allowance that
///           provider gave it, and never more than the module itself locked;
///         - it never touches another module's jobs or locks, nor anyone's claimable balance.
interface IJobMarketDisputes is IJobMarketTypes, IJobMarketErrors, IJobMarketEvents {
    // ------------------------------------------------------------------ disputes

    /// @notice Opens a dispute on a submitted job inside its challenge window, routing it to the
    ///         verifier module of the job's model class. The caller posts a bond of
    ///         `max(price × bondRatioBps, bondFloor)` in the job's token, pulled with transferFrom.
    ///         Who loses pays for the arbitration (see `resolveDispute`). The provider and its signer
    ///         key may not dispute its jobs; a sybil may, but cannot lock real challengers out: they
    ///         `joinDispute`, and the reward goes to the winning evidence.
    ///         Not stopped by a pause: challenge windows keep running while paused, so disputes must too.
    /// @param evidence Where the challenger's evidence is (a URI or content hash); may be empty, and the
    ///        dispute is still ruled on its merits.
    /// @dev Reverts with `JobWrongStatus`, `JobChallengeWindowClosed`, `DisputeByProvider`,
    ///      `ModelNotRegistered` (no class, hence no verifier, for an unregistered model),
    ///      `DisputeNoVerifier`, `ModuleNotActive` or `FeeOnTransferToken`.
    /// @return bond The bond taken.
    function openDispute(Job calldata job, string calldata evidence) external returns (uint256 bond);

    /// @notice Joins the open dispute of a job with the same bond, before its resolution deadline.
    /// @dev Reverts with `JobWrongStatus`, `DisputeResolutionClosed`, `DisputeByProvider`,
    ///      `DisputeAlreadyJoined`, `DisputeFull` (at most `MAX_CHALLENGERS`) or `FeeOnTransferToken`.
    /// @return bond The bond taken.
    function joinDispute(Job calldata job, string calldata evidence) external returns (uint256 bond);

    /// @notice Called by the dispute's verifier module with its verdict; settles the job. The loser
    ///         pays the module for the arbitration, `disputeFeeBps`:
    ///         - Upheld: the job's collateral is slashed; the client is refunded; every challenger gets
    ///           its bond back; `winner` (the challenger whose evidence won) gets `challengerShareBps` of
    ///           the slash; the module gets the arbitration fee (`disputeFeeBps` of each bond) converted to
    ///           stake at the job's rate, at most what is left of the slash; the treasury the rest.
    ///         - Rejected: each bond pays the module `disputeFeeBps` of it and the provider the rest; the
    ///           provider is paid for the job.
    ///         - Draw: each bond pays the module `disputeFeeBps` of it and the rest goes back; the result
    ///           stands and is paid. A failed challenge is never free.
    /// @param winner Index into `disputeChallengers`; ignored unless upheld.
    /// @dev Reverts with `JobWrongStatus`, `DisputeNotVerifier`, `ModuleNotActive`,
    ///      `DisputeResolutionClosed` or `DisputeUnknownChallenger`.
    function resolveDispute(Job calldata job, Outcome outcome, uint256 winner) external;

    /// @notice After the resolution deadline, anyone may cancel an undecided dispute. A ruling that
    ///         never came cannot leave a possibly wrong result paid, nor stake locked: the client is
    ///         refunded, the collateral unlocked (no slash: nothing was proven), every bond returned,
    ///         and the job ends `Cancelled`. The module, which did not rule, is paid nothing.
    /// @dev Reverts with `JobWrongStatus` or `DisputeResolutionPending`.
    function cancelDispute(Job calldata job) external;

    /// @notice Proves that the provider signed two different outputs for one job. Slashes the job's
    ///         collateral with no arbitrator and rewards the reporter (the first challenger instead, if a
    ///         dispute is open, so a provider cannot front-run its own dispute). Before settlement the
    ///         collateral is taken from the job's lock and the client is refunded; within
    ///         `POST_SETTLEMENT_REPORT_WINDOW` (3 days, shorter than any allowed thawing period) after
    ///         finalization it is taken from the provider's free and thawing stake, and what they
    ///         cannot cover becomes slash debt, paid before any later unstake. The client (already
    ///         served and paid for) is not refunded then. Only keys of the job's signer epoch or later
    ///         are evidence (see `updateProvider`).
    /// @dev Reverts with `JobWrongStatus`, `EquivocationSameOutput`, `AttestationInvalidSignature`,
    ///      `AttestationWrongSigner` or `EquivocationReportTooLate`.
    function reportEquivocation(Job calldata job, bytes32 outputA, bytes calldata sigA, bytes32 outputB, bytes calldata sigB)
        external;

    /// @notice Pays `provider`'s slash debt from its free stake, as far as it goes, to the treasury. Anyone may call.
    /// @dev Reverts with `AmountZero` when there is no debt or no free stake to pay it with.
    /// @return paid What was paid.
    function collectSlashDebt(address provider) external returns (uint256 paid);

    // ------------------------------------------------------------------ module stake

    /// @notice Sets how much of the caller's stake `module` may hold (a provider's consent to a module,
    ///         e.g. a payment-session module): the most it may have locked at once, and, since every
    ///         slash uses the allowance up, the most the provider can lose to it until it grants more.
    ///         Lowering it below what is locked only stops new locks.
    /// @dev Reverts with `ProviderNotRegistered`.
    function setModuleAllowance(address module, uint96 allowance) external;

    /// @notice Called by an active module: locks `amount` of `provider`'s free stake for the module,
    ///         after paying any slash debt of the provider from its free stake.
    /// @dev Reverts with `AmountZero`, `EnforcedPause`, `ModuleNotActive`, `ModuleAllowanceExceeded`,
    ///      `ProviderNotRegistered`, `ProviderInJail`, `ProviderBelowMinStake` or `StakeInsufficientFree`.
    function moduleLock(address provider, uint256 amount) external;

    /// @notice Called by a module (active or retired): releases `amount` of what it locked of `provider`'s stake.
    /// @dev Reverts with `AmountZero` or `ModuleLockExceeded`.
    function moduleRelease(address provider, uint256 amount) external;

    /// @notice Called by an active module: slashes `amount` of what it locked of `provider`'s stake, and
    ///         lowers the module's allowance by as much. `beneficiary` gets `rewardBps` of it (at most
    ///         `MAX_CHALLENGER_SHARE_BPS`), the treasury the rest.
    /// @dev Reverts with `ZeroAddress`, `AmountZero`, `ModuleNotActive`, `ModuleLockExceeded` or `ParamOutOfBounds`.
    /// @return reward What `beneficiary` was credited.
    function moduleSlash(address provider, uint256 amount, address beneficiary, uint256 rewardBps)
        external
        returns (uint256 reward);

    /// @notice Anyone may release what a retired module still holds of `provider`'s stake.
    /// @dev Reverts with `ModuleStillActive`, or `AmountZero` when it holds nothing of `provider`'s stake.
    function releaseRetiredModuleLock(address module, address provider) external;

    /// @notice Opens a payment session paid from the caller's balance in this market (`deposit`, refunds,
    ///         earnings) instead of an ERC-20 pull: takes `amount` of `token` off the caller's own balance, sends
    ///         it to `module`, and calls `module.onSessionFunded(caller, provider, model, token, amount, quote,
    ///         data)`, which opens the session (or reverts, undoing all of it). The caller consents by calling:
    ///         no one can spend another account's balance, and a module can move a client's balance only through
    ///         this call the client makes. `module` must be an active module that answers with the callback's
    ///         selector. `data` is the rest of the module's terms (for `PaymentSessions`: `abi.encode(pricing,
    ///         maxPrice, expiry, signer, nonce)`).
    /// @dev Reverts with `AmountZero`, `EnforcedPause`, `ModuleNotActive`, `ClaimExceedsBalance`,
    ///      `ModuleNotSessionReceiver`, or the module's own errors (`SessionPriceAboveOffer`, …).
    /// @return sessionId The id the module returned.
    function openSessionFromBalance(
        address module,
        address provider,
        ModelId model,
        address token,
        uint96 amount,
        bytes calldata data
    ) external returns (bytes32 sessionId);

    // ------------------------------------------------------------------ modules and the verification fee

    /// @notice Sets the verifier module for a determinism class (zero disables disputes for it). Restricted (governance).
    /// @dev Reverts with `ModuleNotActive` unless `verifier` is zero or an active module (`setModule`).
    function setVerifier(Determinism determinism, address verifier) external;

    /// @notice Registers (`active`) or retires a module: a contract with bounded authority over the
    ///         jobs routed to it and the stake providers lock with it (see `IJobMarketDisputes`).
    ///         Restricted (governance, through the Timelock). A retired module can no longer resolve
    ///         disputes, lock or slash; what it had locked can be released by anyone.
    /// @dev Reverts with `ZeroAddress`.
    function setModule(address module, bool active) external;

    /// @notice Names the module that takes the verification fee (`Params.verificationFeeBps`): every job
    ///         created afterwards whose class is routed to it (`setVerifier`) pays the fee at settlement;
    ///         jobs of other classes (e.g. arbitrated ones) pay none. Zero: no job pays it. The set of
    ///         paying classes follows later `setVerifier` calls; retiring the module (`setModule(m, false)`)
    ///         clears it. Restricted (governance, through the Timelock).
    /// @dev Reverts with `ModuleNotActive` unless `module` is zero or an active module.
    function setVerificationFeeModule(address module) external;

    /// @notice Moves the verification fees that `provider` owes in `token` to the claimable balance of the
    ///         verification-fee module (`verificationFeeModule`), where the module's fund counts them; to
    ///         `treasuryAccrued` when no module is set. Anyone may call (the module's keepers do).
    /// @dev Reverts with `NothingToClaim` when none are owed.
    function collectVerificationFees(address provider, address token) external returns (uint256 amount);

    /// @notice Verification fees on `provider`'s earnings in `token` not yet collected (see `Balance`).
    function verificationFeesOwed(address provider, address token) external view returns (uint256);

    /// @notice The module that takes the verification fee, and the classes that pay it (bit `d` for `Determinism(d)`).
    function verificationFeeModule() external view returns (address module, uint8 classMask);

    /// @notice Whether a job pays the verification fee at settlement (fixed when it was created).
    function paysVerificationFee(JobId jobId) external view returns (bool);
}

/// @title The Depinfer job market
/// @notice Staking, model and provider registry, per-job escrow, EIP-712 attested results,
///         disputes through pluggable verifier modules, slashing, and pull-based claims. This is
///         the ABI of the market's proxy address. Staking lives in the market so that the hot path
///         (create, accept, submit, finalize) touches one proxy; see docs/protocol.md.
interface IJobMarket is IJobMarketCore, IJobMarketExtension, IJobMarketDisputes {}

/// @title What a payment-session module implements to be funded from a client's market balance
interface ISessionFundingReceiver {
    /// @notice Called by the market in `openSessionFromBalance`, after it sent `amount` of `token` to this module
    ///         from `client`'s balance: opens the session. Only the market may call it.
    /// @param quote What the market read for the session (`IJobMarketExtension.sessionQuote`).
    /// @param data The module's own terms, as the client passed them to the market.
    /// @return magic `ISessionFundingReceiver.onSessionFunded.selector`.
    /// @return sessionId The session opened.
    function onSessionFunded(
        address client,
        address provider,
        ModelId model,
        address token,
        uint96 amount,
        IJobMarketTypes.SessionQuote calldata quote,
        bytes calldata data
    ) external returns (bytes4 magic, bytes32 sessionId);
}
