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
    ///         equivocation is proven within `disputeResolutionPeriod` of settlement.
    enum JobStatus {
        None, //       0: no such job
        Created, //    1: escrowed, waiting for a provider
        Accepted, //   2: a provider locked collateral and is computing
        Submitted, //  3: result attested, challenge window running
        Disputed, //   4: a challenger posted a bond; the verifier module decides
        Finalized, //  5: provider paid (terminal)
        Expired, //    6: no result by the deadline; client refunded, provider slashed for liveness (terminal)
        Cancelled, //  7: client took the escrow back before any provider accepted (terminal)
        Slashed //     8: fraud proven (dispute upheld or equivocation); client refunded (terminal)
    }

    /// @notice A verifier module's verdict on a dispute.
    enum Outcome {
        Upheld, //   the provider lied: slash, refund the client, reward the challenger
        Rejected, // the result stands: the bond pays verification and the provider
        Draw //      undecidable: the bond is returned and the result stands
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
    /// @param protocolFeeBps The job's protocol fee, cached likewise.
    struct JobState {
        JobStatus status;
        address provider;
        uint40 timestamp;
        uint32 challengeWindow;
        uint16 protocolFeeBps;
    }

    /// @notice The job-bound parameters. A job keeps the snapshot it was created with.
    /// @param challengeWindow Seconds after submission during which a dispute may be opened (1 h – 72 h).
    /// @param disputeResolutionPeriod Seconds a verifier has to decide a dispute (1 d – 14 d).
    /// @param collateralRatioBps Collateral per unit of price (10_000 – 1_000_000, i.e. 1x – 100x).
    /// @param protocolFeeBps Share of the price paid to the treasury on finalization (≤ 1_000).
    /// @param challengerShareBps Share of a slash paid to the challenger (≤ 5_000); the rest goes to the treasury.
    /// @param livenessSlashBps Slash for a missed deadline, per unit of price (≤ collateralRatioBps).
    /// @param bondRatioBps Dispute bond per unit of price (10_000 – 1_000_000); at least the token's bond floor.
    /// @param disputeFeeBps Share of a rejected bond kept by the treasury for verification costs (≤ 5_000).
    struct Params {
        uint32 challengeWindow;
        uint32 disputeResolutionPeriod;
        uint32 collateralRatioBps;
        uint16 protocolFeeBps;
        uint16 challengerShareBps;
        uint32 livenessSlashBps;
        uint32 bondRatioBps;
        uint16 disputeFeeBps;
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

    /// @notice A provider's stake and standing.
    struct ProviderInfo {
        uint96 staked; //          bonded stake, free + locked, excluding thawing
        uint96 locked; //          collateral of open jobs
        uint40 jailedUntil; //     may not accept jobs before this time
        uint8 livenessMisses; //   misses in the current 24 h window
        bool offersPaused; //      open jobs are not offered to it
        bool registered;
        address signer; //         the key that signs attestations
        uint96 thawing; //         sum of pending thaw requests (still slashable)
        address previousSigner; // accepted in equivocation proofs for `thawingPeriod` after a rotation
        uint40 signerChangedAt;
        uint40 missWindowStart;
        uint8 thawHead;
        uint8 thawTail;
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
    struct Balance {
        uint128 available;
        uint128 feesOwed;
    }

    /// @notice An open dispute.
    struct Dispute {
        address challenger;
        uint96 bond;
        address verifier;
        uint40 deadline;
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
    /// @dev Rotation is allowed once `block.timestamp > evidenceUntil` (the last second the previous key counts as evidence).
    error ProviderSignerRotationTooSoon(address provider, uint256 evidenceUntil);
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
    event ResultSubmitted(JobId indexed jobId, address indexed provider, bytes32 outputHash, bytes signature);
    event JobFinalized(JobId indexed jobId, address indexed provider, uint256 payout, uint256 fee);
    event JobExpired(JobId indexed jobId, address indexed client, uint256 refund, uint256 slashed);
    event JobCancelled(JobId indexed jobId, address indexed client, uint256 refund);

    event DisputeOpened(JobId indexed jobId, address indexed challenger, address verifier, uint256 bond, uint256 deadline);
    event DisputeResolved(JobId indexed jobId, IJobMarketTypes.Outcome outcome, uint256 slashed, uint256 challengerReward);
    event DisputeCancelled(JobId indexed jobId, address indexed challenger, uint256 bond);
    event EquivocationProven(JobId indexed jobId, address indexed reporter, bytes32 outputA, bytes32 outputB, uint256 slashed);

    event Deposited(address indexed account, address indexed token, uint256 amount);
    event FeesCollected(address indexed provider, address indexed token, uint256 amount);
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
    /// @dev Reverts with `AmountZero`, `StakeInsufficientFree` or `StakeThawQueueFull`.
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
    ///      `ProviderOffersPaused`, `OfferNotActive`, `OfferTokenMismatch` or `OfferPriceAboveJobPrice`.
    function acceptJob(Job calldata job) external;

    /// @notice Posts the result commitment with the provider's EIP-712 attestation. Anyone may relay it.
    /// @dev Reverts with `JobWrongStatus`, `JobDeadlinePassed`, `AttestationInvalidSignature` or `AttestationWrongSigner`.
    function submitResult(Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice Accepts a direct job and posts its result in one call. The attestation is the
    ///         provider's consent to the job, so anyone may relay it. Emits only `ResultSubmitted`
    ///         (a `ResultSubmitted` with no `JobAccepted` before it means this path was taken).
    /// @dev Only for jobs with a designated provider. Reverts as `acceptJob` and `submitResult`.
    function acceptAndSubmit(Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice Pays the provider `price − fee`, the treasury `fee`, and unlocks the collateral.
    /// @dev The client may finalize at any time after submission; anyone may after the challenge window.
    ///      Reverts with `JobWrongStatus` or `JobChallengeWindowOpen`.
    function finalizeJob(Job calldata job) external;

    /// @notice Finalizes many jobs in one call (for example a provider settling a day's work).
    /// @dev Reverts with `BatchEmpty`, `BatchTooLarge`, or as `finalizeJob` for any job in the batch.
    function finalizeJobs(Job[] calldata jobs) external;

    /// @notice After the deadline with no result: refunds the client in full and, if a provider had
    ///         accepted, slashes it for liveness (paid to the client in the stake token). Anyone may call.
    ///         A job whose provider is jailed may be expired before its deadline, without a liveness slash.
    /// @dev Reverts with `JobWrongStatus` or `JobDeadlineNotReached`.
    function expireJob(Job calldata job) external;

    /// @notice The client takes back the escrow of a job that no provider has accepted yet.
    /// @dev Reverts with `JobWrongStatus` or `JobNotClient`.
    function cancelJob(Job calldata job) external;
}

/// @title Registry, staking, disputes, balances, governance and views of the Depinfer job market
/// @notice Served by `JobMarketExtension` through `JobMarket`'s fallback; see `IJobMarket`.
interface IJobMarketExtension is IJobMarketTypes, IJobMarketErrors, IJobMarketEvents {
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

    /// @notice Rotates the caller's signer key and metadata URI. The previous key stays valid as
    ///         evidence in equivocation proofs for `thawingPeriod`, but no longer for submissions.
    ///         The key may rotate at most once per `thawingPeriod`, so a rotation can never push
    ///         still-usable evidence out.
    /// @dev Reverts with `ProviderNotRegistered`, `ZeroAddress` or `ProviderSignerRotationTooSoon`.
    function updateProvider(address signer, string calldata metadataURI) external;

    /// @notice Sets (or deactivates) the caller's offer for a model.
    /// @dev Reverts with `ProviderNotRegistered`, `ModelNotRegistered`, `PaymentTokenNotAllowed` (when active) or `AmountZero` for a zero price.
    function setOffer(ModelId model, address token, uint96 price, uint32 maxLatency, bool active) external;

    /// @notice Pauses or resumes all of the caller's offers: a paused provider cannot accept open jobs.
    /// @dev Reverts with `ProviderNotRegistered`.
    function setOffersPaused(bool paused) external;

    // ------------------------------------------------------------------ disputes

    /// @notice Opens a dispute on a submitted job inside its challenge window. The caller posts a bond
    ///         of `max(price × bondRatioBps, bondFloor)` in the job's token, pulled with transferFrom.
    ///         Not stopped by a pause: challenge windows keep running while paused, so disputes must too.
    /// @dev Reverts with `JobWrongStatus`, `JobChallengeWindowClosed`, `DisputeNoVerifier` or `FeeOnTransferToken`.
    /// @return bond The bond taken.
    function openDispute(Job calldata job) external returns (uint256 bond);

    /// @notice Called by the dispute's verifier module with its verdict; settles the job.
    /// @dev Reverts with `JobWrongStatus`, `DisputeNotVerifier` or `DisputeResolutionClosed`.
    function resolveDispute(Job calldata job, Outcome outcome) external;

    /// @notice After the resolution deadline, anyone may cancel an undecided dispute: the bond goes
    ///         back to the challenger and the result stands (the job is finalized).
    /// @dev Reverts with `JobWrongStatus` or `DisputeResolutionPending`.
    function cancelDispute(Job calldata job) external;

    /// @notice Proves that the provider signed two different outputs for one job. Slashes the job's
    ///         collateral with no arbitrator and rewards the reporter (the challenger instead, if a
    ///         dispute is open, so a provider cannot front-run its own dispute). Before settlement the
    ///         collateral is taken from the job's lock and the client is refunded; within
    ///         `POST_SETTLEMENT_REPORT_WINDOW` (3 days, shorter than any allowed thawing period) after
    ///         finalization it is taken from the provider's free and thawing stake, and the client
    ///         (already served and paid for) is not refunded.
    /// @dev Reverts with `JobWrongStatus`, `EquivocationSameOutput`, `AttestationInvalidSignature`,
    ///      `AttestationWrongSigner` or `EquivocationReportTooLate`.
    function reportEquivocation(Job calldata job, bytes32 outputA, bytes calldata sigA, bytes32 outputB, bytes calldata sigB)
        external;

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

    /// @notice Sets the verifier module for a determinism class (zero disables disputes for it). Restricted (governance).
    function setVerifier(Determinism determinism, address verifier) external;

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
}

/// @title The Depinfer job market
/// @notice Staking, model and provider registry, per-job escrow, EIP-712 attested results,
///         disputes through pluggable verifier modules, slashing, and pull-based claims. This is
///         the ABI of the market's proxy address. Staking lives in the market so that the hot path
///         (create, accept, submit, finalize) touches one proxy; see docs/protocol.md.
interface IJobMarket is IJobMarketCore, IJobMarketExtension {}
