// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId, ModelId} from "../types/Ids.sol";
import {IJobMarketTypes} from "./IJobMarket.sol";

/// @title Types of the sampled re-execution verifier
/// @notice Units: `*Bps` are basis points of the job's price (10_000 = 1x); `verifierStake` is in
///         stake-token units; periods are seconds.
interface ISampledVerifierTypes {
    /// @notice Where a check stands.
    enum CheckStatus {
        None, //               0: no check for this job
        AwaitingAttestation, // 1: a dispute opened by someone else; the provider's attested output is not known yet
        AwaitingSeed, //       2: verifiers are to be assigned once the seed of `seedEpoch` exists
        Running, //            3: verifiers of the current round commit, then reveal
        AwaitingArbitration, // 4: TOLERANT: the verifier's output differs by hash; the arbiter rules (`rule`)
        Closed //              5: settled (the market's dispute resolved, or found settled elsewhere)
    }

    /// @notice Where one assigned verifier stands.
    enum VoteStatus {
        None,
        Assigned, //  its `verifierStake` is locked; it must commit
        Committed, // it must reveal
        Revealed, //  its output is counted
        Slashed //    it missed its phase and lost its `verifierStake`
    }

    /// @notice The governance-set parameters (bounds in `SampledVerifier`).
    /// @param samplingRateBps Chance that a result is sampled, per 10_000 (0.1 % – 100 %).
    /// @param newProviderRateBps The chance for a provider with fewer than `newProviderChecks` passed checks
    ///        (at least `samplingRateBps`, at most 100 %).
    /// @param newProviderChecks Passed checks after which a provider is sampled at `samplingRateBps`.
    /// @param verifierRewardBps What each honest verifier of a check is paid, per unit of the job's price.
    /// @param keeperTipBps What the caller of a successful `sample` is paid, per unit of the job's price.
    /// @param commitPeriod How long an assigned verifier has to commit.
    /// @param revealPeriod How long a verifier has to reveal after the commit phase ends.
    /// @param escalationVerifiers Verifiers added when the first one disagrees with the provider (2 or 4,
    ///        so that the total is odd).
    /// @param verifierStake What each assigned verifier locks, and loses if it misses a phase or is outvoted.
    struct Params {
        uint16 samplingRateBps;
        uint16 newProviderRateBps;
        uint32 newProviderChecks;
        uint32 verifierRewardBps;
        uint16 keeperTipBps;
        uint32 commitPeriod;
        uint32 revealPeriod;
        uint8 escalationVerifiers;
        uint96 verifierStake;
    }

    /// @notice One check of one job (three slots).
    /// @param round 0 (one verifier) or 1 (escalation).
    /// @param assigned How many votes were assigned so far (indexes `0 … assigned − 1`).
    /// @param roundFirst The first vote index of the current round.
    /// @param toAssign How many verifiers the next `assign` draws.
    /// @param replacements How many verifiers replaced one that missed its phase (at most `MAX_REPLACEMENTS`).
    /// @param human Whether someone other than this module opened the dispute.
    /// @param seedEpoch The epoch whose seed draws the next verifiers; it had not ended when the draw was asked for.
    /// @param cutoff When the draw was asked for: only verifiers enrolled by then are eligible.
    /// @param listLength How many verifiers were enrolled for the model then: later enrolments cannot move the draw.
    /// @param commitDeadline Last second to commit in the current round.
    /// @param revealDeadline Last second to reveal in the current round.
    /// @param provider The job's provider.
    /// @param reward What each honest verifier is paid, in the job's token (snapshot at the start).
    /// @param verifierStake What each verifier locks (snapshot at the start).
    /// @param tolerant Whether the job's class is TOLERANT: a mismatch goes to the arbiter, not to escalation.
    /// @param exposed Whether the PLANTER declared the job a planted check (`expose`): round 0 then escalates
    ///        whatever its verifiers answered.
    /// @param output The provider's attested output hash.
    struct Check {
        CheckStatus status;
        uint8 round;
        uint8 assigned;
        uint8 roundFirst;
        uint8 toAssign;
        uint8 replacements;
        uint8 escalationVerifiers;
        bool human;
        uint40 seedEpoch;
        uint40 cutoff;
        uint32 listLength;
        uint40 commitDeadline;
        uint40 revealDeadline;
        address provider;
        uint96 reward;
        uint96 verifierStake;
        bool tolerant;
        bool exposed;
        bytes32 output;
    }

    /// @notice One assigned verifier's vote.
    /// @param commitment `keccak256(abi.encode(jobId, round, verifier, outputHash, salt))`.
    struct Vote {
        address verifier;
        VoteStatus status;
        uint8 round;
        bytes32 commitment;
        bytes32 output;
    }

    /// @notice A verifier's enrolment for one model.
    /// @param index Its position in the model's list, plus one (zero: not enrolled).
    /// @param since When it enrolled.
    struct Enrolment {
        uint32 index;
        uint40 since;
    }
}

/// @title Errors of the sampled re-execution verifier
/// @notice Every error names the component and carries the values that caused it.
interface ISampledVerifierErrors {
    error SamplingZeroAddress();
    /// @notice The extension was built for another market or randomness source.
    error SamplingExtensionMismatch(address extension);
    /// @notice A parameter is outside its bounds in code.
    error SamplingParamOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// @notice The randomness source's epochs are too long for the smallest challenge window.
    error SamplingEpochTooLong(uint256 epochLength, uint256 max);
    /// @notice Only the market calls `onDisputeOpened`.
    error SamplingNotMarket(address caller);
    /// @notice The job's class is routed to another verifier (or none): this module would not judge it.
    error SamplingNotVerifierOf(ModelId model, IJobMarketTypes.Determinism determinism, address verifier);
    /// @notice This module serves EXACT (decided by hash) and TOLERANT (a mismatch goes to the arbiter), not NONE.
    error SamplingClassNotSupported(JobId jobId, IJobMarketTypes.Determinism determinism);
    /// @notice The job is not in the status the call needs.
    error SamplingJobWrongStatus(JobId jobId, IJobMarketTypes.JobStatus status);
    /// @notice The job's challenge window has closed.
    error SamplingWindowClosed(JobId jobId, uint256 endedAt, uint256 nowTime);
    /// @notice The signature is not an attestation of `outputHash` by a key of the job's provider valid for it.
    error SamplingBadAttestation(JobId jobId, address recovered);
    /// @notice The draw did not select the job: `draw` ≥ `rateBps`. Nothing is stored.
    error SamplingJobNotSampled(JobId jobId, uint256 draw, uint256 rateBps);
    /// @notice The fund of `token` cannot cover the call (`needed` > `available`).
    error SamplingFundTooLow(address token, uint256 needed, uint256 available);
    /// @notice The check of `jobId` is not in the status the call needs.
    error SamplingCheckWrongStatus(JobId jobId, ISampledVerifierTypes.CheckStatus status);
    /// @notice The market is paused, so no verifier stake can be locked; assign after the unpause.
    error SamplingMarketPaused();
    /// @notice `caller` is not a registered provider in good standing.
    error SamplingNotEligible(address caller, ModelId model);
    /// @notice `caller` is already enrolled for `model`.
    error SamplingAlreadyEnrolled(address caller, ModelId model);
    /// @notice `caller` is not enrolled for `model`.
    error SamplingNotEnrolled(address caller, ModelId model);
    /// @notice `caller` has no active offer for `model`.
    error SamplingNoOffer(address caller, ModelId model);
    /// @notice The module may lock less of `caller`'s stake than `verifierStake`.
    error SamplingAllowanceTooLow(address caller, uint256 allowance, uint256 needed);
    /// @notice `caller` is not a verifier of the current round of `jobId` in the needed vote status.
    error SamplingNotAssigned(JobId jobId, address caller);
    /// @notice The phase ended at `deadline`.
    error SamplingPhaseClosed(JobId jobId, uint256 deadline, uint256 nowTime);
    /// @notice Reveals open once every verifier of the round has committed (`committed` of `needed`).
    error SamplingRevealNotOpen(JobId jobId, uint256 committed, uint256 needed);
    /// @notice The revealed output and salt do not open the commitment.
    error SamplingCommitmentMismatch(JobId jobId, address verifier, bytes32 commitment, bytes32 computed);
    /// @notice The round is still running; `resolve` may act after `deadline`.
    error SamplingRoundOpen(JobId jobId, uint256 deadline, uint256 nowTime);
    /// @notice Nothing owed to `account` in `token`.
    error SamplingNothingOwed(address account, address token);
    /// @notice `expose` needs round 0 with every live seat committed (`committed` of `live`), before any
    ///         exposure: earlier, a verifier could still choose its answer knowing the check is planted.
    error SamplingExposeNotOpen(JobId jobId, uint256 round, uint256 committed, uint256 live);
    /// @notice The check was already exposed.
    error SamplingAlreadyExposed(JobId jobId);
}

/// @title Events of the sampled re-execution verifier
interface ISampledVerifierEvents {
    event SamplingParamsUpdated(ISampledVerifierTypes.Params params);
    event Funded(address indexed token, address indexed from, uint256 amount);
    event FundWithdrawn(address indexed token, address indexed to, uint256 amount);
    event VerifierEnrolled(ModelId indexed model, address indexed verifier);
    event VerifierLeft(ModelId indexed model, address indexed verifier);
    /// @notice A result was drawn for a check; the module opened its dispute and paid `keeper` a tip.
    event JobSampled(JobId indexed jobId, address indexed provider, address indexed keeper, uint256 draw, uint256 rateBps, uint256 bond, uint256 tip);
    /// @notice A dispute opened by someone else will be checked the same way.
    event DisputeCheckOpened(JobId indexed jobId, address indexed challenger);
    /// @notice The provider's attested output of a dispute opened by someone else became known.
    event OutputAttested(JobId indexed jobId, bytes32 output);
    /// @notice `count` verifiers will be drawn with the seed of `seedEpoch`.
    event AssignmentRequested(JobId indexed jobId, uint256 round, uint256 count, uint64 seedEpoch);
    event VerifierAssigned(JobId indexed jobId, address indexed verifier, uint256 index, uint256 round, uint256 commitDeadline);
    /// @notice No eligible verifier could be locked for a seat (after `MAX_PROBES` draws).
    event NoVerifierAvailable(JobId indexed jobId, uint256 round);
    event VoteCommitted(JobId indexed jobId, address indexed verifier, bytes32 commitment);
    event VoteRevealed(JobId indexed jobId, address indexed verifier, bytes32 output, bool agrees);
    /// @notice `verifier` lost its `amount` of stake: it missed its phase, or voted with the losing side.
    event VerifierSlashed(JobId indexed jobId, address indexed verifier, uint256 amount, bool timedOut);
    event VerifierRewarded(JobId indexed jobId, address indexed verifier, address token, uint256 amount);
    /// @notice The check ended: `outcome` was given to the market (unless `settledElsewhere`).
    event CheckResolved(JobId indexed jobId, IJobMarketTypes.Outcome outcome, uint256 agree, uint256 disagree, bool settledElsewhere);
    /// @notice TOLERANT: the verifier's output differs from the provider's by hash; the arbiter decides
    ///         whether the provider's is within tolerance (`rule`).
    event ArbitrationRequested(JobId indexed jobId, bytes32 providerOutput, bytes32 verifierOutput);
    event ArbitrationRuled(JobId indexed jobId, bool providerStands, address indexed arbiter);
    /// @notice The PLANTER declared the check planted (a canary job whose output it knows to be wrong): its
    ///         round 0 escalates whatever the verifiers answer.
    event CheckExposed(JobId indexed jobId, address indexed planter);
    event RewardsClaimed(address indexed account, address indexed token, address to, uint256 amount);
}

/// @title The check's state machine of the sampled re-execution verifier
/// @notice Served by `SampledVerifier` itself; see `ISampledVerifier` for the whole surface.
interface ISampledVerifierCore is ISampledVerifierTypes, ISampledVerifierErrors, ISampledVerifierEvents {
    /// @notice The draw. Anyone may call, while the job is `Submitted`, in its challenge window, once the seed
    ///         of its submission epoch exists, with the provider's attestation of its output. If
    ///         `keccak256(seed, jobId) mod 10_000 < rateBps(provider)`, the module opens the job's dispute
    ///         (paying the bond from the fund), reserves the verifiers' rewards, credits the caller a tip and
    ///         asks for the first verifier; otherwise it reverts `SamplingJobNotSampled` and stores nothing.
    /// @dev Reverts with `SamplingJobWrongStatus`, `SamplingWindowClosed`, `SamplingNotVerifierOf`,
    ///      `SamplingClassNotSupported`, `SamplingBadAttestation`, the source's `RandomnessSeedNotReady`,
    ///      `SamplingJobNotSampled` or `SamplingFundTooLow`.
    function sample(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice For a dispute opened by someone else: supplies the provider's attested output so that the
    ///         check can run. Anyone may call (the provider has the most reason to).
    /// @dev Reverts with `SamplingCheckWrongStatus`, `SamplingBadAttestation` or `SamplingFundTooLow` (the
    ///      verifiers' rewards are reserved now).
    function attest(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice Draws the verifiers asked for, with the seed of the check's `seedEpoch`, and locks their
    ///         `verifierStake`. Anyone may call once that seed exists. A drawn account is skipped if it is the
    ///         provider, shares a signer key with it, is a challenger of the dispute, already voted on the job,
    ///         enrolled after the draw was asked for, lost its offer, or cannot be locked; after `MAX_PROBES`
    ///         draws a seat stays empty (`NoVerifierAvailable`).
    /// @dev Reverts with `SamplingCheckWrongStatus`, `RandomnessSeedNotReady` or `SamplingMarketPaused`.
    function assign(IJobMarketTypes.Job calldata job) external;

    /// @notice An assigned verifier commits to its output: `commitment =
    ///         keccak256(abi.encode(jobId, round, verifier, outputHash, salt))`, by the round's commit deadline.
    /// @dev Reverts with `SamplingCheckWrongStatus`, `SamplingNotAssigned` or `SamplingPhaseClosed`.
    function commit(IJobMarketTypes.Job calldata job, bytes32 commitment) external;

    /// @notice A verifier that committed opens its commitment, once every verifier of the round has
    ///         committed and by the round's reveal deadline.
    /// @dev Reverts with `SamplingCheckWrongStatus`, `SamplingNotAssigned`, `SamplingRevealNotOpen`,
    ///      `SamplingPhaseClosed` or `SamplingCommitmentMismatch`.
    function reveal(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes32 salt) external;

    /// @notice Moves a running check on. Anyone may call:
    ///         - once every verifier of the round revealed: counts the votes and rules (or escalates);
    ///         - after the commit deadline: slashes who did not commit and asks for replacements;
    ///         - after the reveal deadline: slashes who did not reveal; replaces them in round 0, counts
    ///           the votes present in round 1;
    ///         - if the job's dispute was settled elsewhere (equivocation, cancelled after its deadline) or
    ///           its deadline passed: releases every verifier's stake and closes the check.
    /// @dev Reverts with `SamplingCheckWrongStatus` (also while a TOLERANT check awaits the arbiter, until
    ///      the dispute's deadline passes) or `SamplingRoundOpen`.
    function resolve(IJobMarketTypes.Job calldata job) external;

    /// @notice TOLERANT only: the arbiter rules on a check whose verifier's output differed from the
    ///         provider's by hash. `providerStands`: the provider's output is within tolerance (the result
    ///         stands: `Draw` for a sampled job, `Rejected` for a dispute opened by someone else); otherwise
    ///         `Upheld`. Either way the verifier is paid and released: under TOLERANT a different hash is no
    ///         proof that the verifier lied. After the dispute's deadline the check is closed unruled.
    /// @dev Restricted (the ARBITRATOR role). Reverts with `SamplingCheckWrongStatus`.
    function rule(IJobMarketTypes.Job calldata job, bool providerStands) external;

    /// @notice Planted checks (the answer to the lazy verifier): the PLANTER runs canary jobs whose
    ///         provider it controls and which deliberately return a wrong output. When one is drawn and its
    ///         round-0 verifiers have all committed, the PLANTER exposes it: the check then escalates to
    ///         `escalationVerifiers` more verifiers whatever round 0 answered, so a round-0 verifier that
    ///         copied the provider's public output is outvoted by the honest majority and slashed. Nobody
    ///         can tell a canary from a real job before committing, so a verifier that skips the re-run
    ///         loses `verifierStake` on a planted share of its checks.
    ///         Exposing an honest job only costs the fund an escalation: round 1 still decides by majority.
    ///         EXACT only: under TOLERANT a verifier is never slashed for its answer (`rule`).
    /// @dev Restricted (the PLANTER role). Reverts with `SamplingCheckWrongStatus` (not `Running`),
    ///      `SamplingClassNotSupported` (a TOLERANT check), `SamplingExposeNotOpen` (round 1, or a live seat has not committed) or `SamplingAlreadyExposed`.
    function expose(IJobMarketTypes.Job calldata job) external;
}

/// @title Fund, enrolment, parameters and views of the sampled re-execution verifier
/// @notice Served by `SampledVerifierExtension` through `SampledVerifier`'s fallback, at SampledVerifier's address.
interface ISampledVerifierExtension is ISampledVerifierTypes, ISampledVerifierErrors, ISampledVerifierEvents {
    /// @notice Adds `amount` of `token` to the fund that pays bonds, tips and verifier rewards (pulled with
    ///         transferFrom). Anyone may call (governance, from protocol fees).
    /// @dev Reverts with `SamplingParamOutOfBounds("amount", 0, 1, …)` for zero.
    function fund(address token, uint256 amount) external;

    /// @notice Sends `amount` of the fund's unreserved `token` to `to`. Restricted (governance).
    /// @dev Reverts with `SamplingZeroAddress` or `SamplingFundTooLow`.
    function withdrawFund(address token, uint256 amount, address to) external;

    /// @notice Sets the parameters. Restricted (governance). Checks in force take their reward, stake and
    ///         escalation size from the snapshot they started with.
    /// @dev Reverts with `SamplingParamOutOfBounds(name, value, min, max)` for the first field out of bounds.
    function setParams(Params calldata params) external;

    /// @notice Enrols the caller as a verifier of `model`: it may be drawn to re-run that model's sampled jobs.
    /// @dev The caller must be a registered, unjailed provider with an active offer for `model`, and have let
    ///      this module lock at least `verifierStake` (`market.setModuleAllowance`). Reverts with
    ///      `SamplingNotEligible`, `SamplingNoOffer`, `SamplingAllowanceTooLow` or `SamplingAlreadyEnrolled`.
    function enrol(ModelId model) external;

    /// @notice Removes the caller from `model`'s verifiers. Votes already assigned must still be cast.
    /// @dev Reverts with `SamplingNotEnrolled`.
    function unenrol(ModelId model) external;

    /// @notice Sends the caller what it is owed in `token` (verifier rewards, keeper tips) to `to`.
    /// @dev Reverts with `SamplingZeroAddress` or `SamplingNothingOwed`.
    function claimRewards(address token, address to) external returns (uint256 amount);

    // ------------------------------------------------------------------ views

    /// @notice The sampling rate that applies to `provider` now, in bps.
    function rateOf(address provider) external view returns (uint256);

    /// @notice Whether `job` is (or would be) drawn, its draw and the rate it is compared with.
    /// @dev Reverts with `RandomnessSeedNotReady` before the seed of its submission epoch exists, and with
    ///      `SamplingJobWrongStatus` unless the job is `Submitted`.
    function isSampled(IJobMarketTypes.Job calldata job) external view returns (bool sampled, uint256 draw, uint256 rateBps);

    function params() external view returns (Params memory);
    function checkOf(JobId jobId) external view returns (Check memory);
    function voteOf(JobId jobId, uint256 index) external view returns (Vote memory);
    function verifierCount(ModelId model) external view returns (uint256);
    function verifierAt(ModelId model, uint256 index) external view returns (address);
    function enrolment(ModelId model, address verifier) external view returns (Enrolment memory);
    function passedChecks(address provider) external view returns (uint256);
    /// @notice What `account` may claim in `token`.
    function owed(address account, address token) external view returns (uint256);
    /// @notice The address that opens the module's disputes on a provider that named the module as its
    ///         signer key (the market refuses a dispute from a provider's key). Its market balance counts in
    ///         the fund.
    function secondChallenger() external view returns (address);
    /// @notice The fund of `token`: what is free to spend, and what is reserved for rewards of running checks.
    function fundOf(address token) external view returns (uint256 available, uint256 reserved);
}

/// @title The sampled re-execution (Proof of Sampling) verifier
/// @notice The ABI of `SampledVerifier`'s address. See `SampledVerifier` and docs/protocol.md 7.7.
interface ISampledVerifier is ISampledVerifierCore, ISampledVerifierExtension {}
