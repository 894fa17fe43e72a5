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
    /// @param deterrenceBps `δ`: what a caught lie must cost, per unit of the job's price in stake (`P_S =
    ///        collateral / collateralRatio`). A job's rate is at least `⌈δ × P_S / (C + B)⌉` bps, with `C` its
    ///        collateral and `B` its provider's sampling bond as it stood at submission (10_000 – 100_000).
    /// @param bondReleaseDelay Seconds from a bond's release request to its withdrawal (17 d – 60 d: at least
    ///        the longest challenge window plus the longest resolution period, so every job the bond covered
    ///        can still be drawn and ruled while it is locked).
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
        uint32 deterrenceBps;
        uint32 bondReleaseDelay;
    }

    /// @notice Which band a job's draw `u` fell in (`samplingOf`).
    enum Band {
        Unsampled, // u ≥ rate(job): no check
        Fund, //      u < samplingRateBps: `sample` checks it, the fund pays
        Caller //     samplingRateBps ≤ u < rate(job): checked only if a caller pays (`fundCheck`)
    }

    /// @notice A provider's standing sampling bond (one slot). Zero `amount`: none.
    /// @param amount Stake locked with this module as the bond (`moduleLock`).
    /// @param cycle Counts the provider's bonds: a new one starts when a bond is posted while none stands.
    /// @param postedAt When this cycle's bond was first posted: it covers jobs submitted at or after it.
    /// @param requestedAt When its release was asked for (0: not asked): it covers jobs submitted before it.
    /// @param releaseAt When it may be withdrawn (`requestedAt + bondReleaseDelay`, fixed at the request).
    struct Bond {
        uint96 amount;
        uint32 cycle;
        uint40 postedAt;
        uint40 requestedAt;
        uint40 releaseAt;
    }

    /// @notice A job's sampling, as `sample` and `fundCheck` see it (`samplingOf`).
    /// @param band Where `draw` falls.
    /// @param draw `keccak256(seed of the submission epoch, jobId) mod 10_000`.
    /// @param baseRateBps `samplingRateBps`: draws below it are checked at the fund's cost.
    /// @param rateBps `max(rateOf(provider), ⌈deterrenceBps × P_S / (C + B)⌉)`, at most 10_000.
    /// @param bond `B`: the provider's bond as it stood at the job's submission.
    /// @param bondCycle The cycle of that bond (0 when `bond` is 0): the one an `Upheld` check slashes.
    struct Sampling {
        Band band;
        uint256 draw;
        uint256 baseRateBps;
        uint256 rateBps;
        uint256 bond;
        uint256 bondCycle;
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
    /// @param bondCycle The provider's bond cycle that covers the job (0: none); an `Upheld` slashes that bond.
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
        uint32 bondCycle;
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
    /// @notice `rejectVote` takes only a revealed vote (`status` Revealed) whose `output` differs from the
    ///         provider's: vote `index` of `jobId` is not one (an index never assigned reads as status None).
    error SamplingVoteNotRejectable(JobId jobId, uint256 index, ISampledVerifierTypes.VoteStatus status, bytes32 output);
    /// @notice The draw fell in the caller-paid band (`baseRateBps` ≤ `draw` < `rateBps`): only `fundCheck`
    ///         starts this check.
    error SamplingJobInPaidBand(JobId jobId, uint256 draw, uint256 baseRateBps, uint256 rateBps);
    /// @notice `fundCheck` needs a draw in the caller-paid band: `baseRateBps` ≤ `draw` < `rateBps`.
    error SamplingJobNotInPaidBand(JobId jobId, uint256 draw, uint256 baseRateBps, uint256 rateBps);
    /// @notice `provider` has no standing sampling bond.
    error SamplingNoBond(address provider);
    /// @notice The bond's release was asked for (it completes at `releaseAt`): no top-up, no second request.
    error SamplingBondReleasing(address provider, uint256 releaseAt);
    /// @notice The bond's release was not asked for (`requestBondRelease` first).
    error SamplingBondNotReleasing(address provider);
    /// @notice The bond is locked until `releaseAt`.
    error SamplingBondLocked(address provider, uint256 releaseAt, uint256 nowTime);
    /// @notice A bond amount of zero, or one that would not fit 96 bits (`total`).
    error SamplingBondAmountInvalid(address provider, uint256 amount, uint256 total);
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
    /// @notice No eligible verifier could be locked for a seat (after `MAX_PROBES` draws and the walk after them).
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
    /// @notice TOLERANT: the arbiter found vote `index` (of `verifier`) unacceptable, junk rather than a
    ///         re-run; the verifier was slashed its stake (`VerifierSlashed`) and will not be paid.
    event VoteRejected(JobId indexed jobId, uint256 index, address indexed verifier, address indexed arbiter);
    event RewardsClaimed(address indexed account, address indexed token, address to, uint256 amount);
    /// @notice `provider` locked `amount` more as its sampling bond; it now stands at `total` (cycle `cycle`).
    event BondPosted(address indexed provider, uint256 amount, uint256 total, uint256 cycle);
    /// @notice `provider` asked for its bond back: jobs submitted from now on are not covered; it may
    ///         withdraw at `releaseAt`.
    event BondReleaseRequested(address indexed provider, uint256 amount, uint256 releaseAt);
    event BondWithdrawn(address indexed provider, uint256 amount);
    /// @notice An `Upheld` check of `jobId`, which the bond covered, took all of it (`amount`) to the treasury.
    event BondSlashed(address indexed provider, JobId indexed jobId, uint256 amount);
    /// @notice `funder` paid `paid` (the verifiers' rewards, `(1 + k) × R`) for a check of a draw in the
    ///         caller-paid band; the fund advanced the bond.
    event CheckFunded(JobId indexed jobId, address indexed funder, uint256 draw, uint256 rateBps, uint256 paid);
    /// @notice A funded check ended: its funder is owed `refund` of the job's token (what the check did not use)
    ///         and `winnings` of the stake token (the module's share of the slash, when the provider was caught).
    event FundedCheckSettled(JobId indexed jobId, address indexed funder, uint256 refund, uint256 winnings);
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

    /// @notice The caller-funded check: for a draw in the caller-paid band (`samplingRateBps ≤ draw <
    ///         rate(job)`, the new-provider and under-bonded bands), the caller pays the verifiers' rewards
    ///         `(1 + escalationVerifiers) × R` (pulled with transferFrom in the job's token) and the check runs
    ///         as `sample`'s does; the fund advances the dispute bond, which always comes back to it. When the
    ///         check ends the caller is owed what it did not use and, if the provider is caught, the module's
    ///         winnings (its share of the slash and the arbitration fee, in stake) (`claimRewards`). Anyone may
    ///         call, while the job is `Submitted` and in its challenge window, once the draw is known; nobody
    ///         calling leaves the job unsampled. No keeper tip: the funder is its own keeper.
    /// @dev Reverts with `sample`'s errors (`SamplingJobNotInPaidBand` for a draw outside the band), and the
    ///      token's own for a failed transferFrom.
    function fundCheck(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice For a dispute opened by someone else: supplies the provider's attested output so that the
    ///         check can run. Anyone may call (the provider has the most reason to).
    /// @dev Reverts with `SamplingCheckWrongStatus`, `SamplingBadAttestation` or `SamplingFundTooLow` (the
    ///      verifiers' rewards are reserved now).
    function attest(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature) external;

    /// @notice Draws the verifiers asked for, with the seed of the check's `seedEpoch`, and locks their
    ///         `verifierStake`. Anyone may call once that seed exists. A drawn account is skipped if it is the
    ///         provider, shares a signer key with it, is a challenger of the dispute, already voted on the job,
    ///         enrolled after the draw was asked for, lost its offer, or cannot be locked. After `MAX_PROBES`
    ///         random draws it walks on through the next `min(listLength, MAX_PROBES)` slots (so on a short list
    ///         every slot); then a seat stays empty (`NoVerifierAvailable`).
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
    ///         `Upheld`. A verifier whose output differs is paid and released either way (under TOLERANT a
    ///         different hash is no proof that it lied; junk is for `rejectVote`). On `Upheld`, a vote equal to
    ///         the provider's output is slashed like it: it is the same out-of-tolerance bytes, which is what a
    ///         verifier that copied the public output instead of re-running answers (planted TOLERANT checks,
    ///         `expose`, rely on it). After the dispute's deadline the check is closed unruled.
    /// @dev Restricted (the ARBITRATOR role). Reverts with `SamplingCheckWrongStatus`.
    function rule(IJobMarketTypes.Job calldata job, bool providerStands) external;
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

    /// @notice Planted checks (the answer to the lazy verifier): the PLANTER runs canary jobs whose
    ///         provider it controls and which deliberately return a wrong output. When one is drawn and its
    ///         round-0 verifiers have all committed, the PLANTER exposes it: the check then escalates to
    ///         `escalationVerifiers` more verifiers whatever round 0 answered, so a round-0 verifier that
    ///         copied the provider's public output is outvoted by the honest majority and slashed. Nobody
    ///         can tell a canary from a real job before committing, so a verifier that skips the re-run
    ///         loses `verifierStake` on a planted share of its checks.
    ///         Exposing an honest job only costs the fund an escalation: round 1 still decides by majority.
    ///         Under TOLERANT the exposed round 0 goes to the arbiter instead of escalating, whatever it
    ///         answered; the arbiter upholds the canary, and `rule` slashes every vote equal to its output.
    /// @dev Restricted (the PLANTER role). Reverts with `SamplingCheckWrongStatus` (not `Running`),
    ///      `SamplingExposeNotOpen` (round 1, or a live seat has not committed) or `SamplingAlreadyExposed`.
    function expose(IJobMarketTypes.Job calldata job) external;

    /// @notice TOLERANT: the arbiter rejects vote `index` of a check awaiting its ruling, a revealed output that
    ///         differs from the provider's and that it finds unacceptable (junk: not a re-run of the job, e.g. a
    ///         verifier that disagrees without running it to be paid for a check it did not do). The verifier
    ///         is slashed its whole `verifierStake` to the treasury and not paid; its reward stays in the fund.
    ///         The check still awaits `rule`, which decides the provider's output and pays the other votes.
    ///         The evidence is the verifier's output, which it must serve by its hash (the node does).
    /// @dev Restricted (the ARBITRATOR role). Reverts with `SamplingCheckWrongStatus` (not
    ///      `AwaitingArbitration`) or `SamplingVoteNotRejectable` (not revealed, equal to the provider's, or
    ///      never assigned).
    function rejectVote(IJobMarketTypes.Job calldata job, uint256 index) external;

    /// @notice Posts or tops up the caller's standing sampling bond: locks `amount` of its free stake with this
    ///         module (`market.moduleLock`, within the allowance it gave this module). The bond covers the jobs
    ///         the caller submits from this second until it asks for its release, and lowers their rate (see
    ///         `samplingOf`); an `Upheld` check of a covered job slashes all of it to the treasury.
    /// @dev Reverts with `SamplingBondAmountInvalid` (zero, or over 96 bits), `SamplingBondReleasing` (a release
    ///      is pending) or the market's `moduleLock` errors (allowance, registration, jail, minimum stake,
    ///      free stake, pause).
    function postBond(uint256 amount) external;

    /// @notice Asks for the caller's bond back: jobs submitted from this second on are no longer covered (and
    ///         are drawn at the unbonded rate); jobs submitted before stay covered. Withdrawable after
    ///         `bondReleaseDelay` (fixed now).
    /// @dev Reverts with `SamplingNoBond` or `SamplingBondReleasing`.
    function requestBondRelease() external;

    /// @notice Returns the caller's bond to its free stake, at or after its `releaseAt`.
    /// @dev Reverts with `SamplingNoBond` (nothing left, e.g. slashed), `SamplingBondNotReleasing` or
    ///      `SamplingBondLocked`.
    function withdrawBond() external;

    // ------------------------------------------------------------------ views

    /// @notice `provider`'s current bond.
    function bondOf(address provider) external view returns (Bond memory);

    /// @notice The bond that covered a job `provider` submitted at `timestamp` (0: none).
    function bondAt(address provider, uint256 timestamp) external view returns (uint256);

    /// @notice A submitted job's draw, its band, the two rates and the bond as at its submission.
    /// @dev Reverts with `RandomnessSeedNotReady` before the seed of its submission epoch exists, and with
    ///      `SamplingJobWrongStatus` unless the job is `Submitted`.
    function samplingOf(IJobMarketTypes.Job calldata job) external view returns (Sampling memory);

    /// @notice Who paid for the check of `jobId` (zero: the fund, or no check).
    function funderOf(JobId jobId) external view returns (address);

    /// @notice The provider-level base rate that applies to `provider` now, in bps (`newProviderRateBps`
    ///         until it passed `newProviderChecks` fund-paid checks, then `samplingRateBps`). A job's own
    ///         rate is at least this, and higher when its collateral plus bond are small (`samplingOf`).
    function rateOf(address provider) external view returns (uint256);

    /// @notice Whether `sample` would check `job` at the fund's cost (`draw < samplingRateBps`), its draw and
    ///         that rate. A draw in the caller-paid band is not `sampled` here: see `samplingOf`.
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
