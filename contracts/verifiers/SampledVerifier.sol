// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";
import {ISampledVerifierCore, ISampledVerifierExtension} from "../interfaces/ISampledVerifier.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {AttestationLib} from "../libraries/AttestationLib.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId, ModelId} from "../types/Ids.sol";
import {SampledVerifierBase} from "./SampledVerifierBase.sol";
import {SampledVerifierChallenger} from "./SampledVerifierChallenger.sol";
import {SampledVerifierExtension} from "./SampledVerifierExtension.sol";

/// @title Sampled re-execution (Proof of Sampling) verifier
/// @notice A verifier module of the market (`setModule`, then `setVerifier(EXACT, this)`). It stays inside
///         the existing module boundary: it checks a random sample of results by opening their dispute
///         itself, as a challenger that pays the bond from its fund, has randomly drawn enrolled providers of
///         the same model re-run the job (commit, then reveal), and rules with `resolveDispute`:
///         - the first verifier agrees with the attested output: `Draw` (the result stands and is paid; the
///           bond comes back to the module in full, since the arbitration fee is paid to the module itself);
///         - it disagrees: `escalationVerifiers` more are drawn; the majority of all revealed outputs decides.
///           Provider outvoted: `Upheld` (slash, refund, the module is the winning challenger); provider
///           upheld: `Draw`. The verifiers on the losing side lose their `verifierStake` (`moduleSlash`).
///         Disputes opened by anyone else on a class it serves are checked the same way, every time; there the
///         result standing is `Rejected` (the challenger loses its bond, as with the arbitrator).
///         Verifier stake is locked with `moduleLock` within the allowance each verifier gave this module, so
///         what the module can take from a verifier is bounded by the core, never by this code.
///         See docs/protocol.md 7.7 for the state machine, the parameters and the attacks.
contract SampledVerifier is SampledVerifierBase, ISampledVerifierCore, IVerifier {
    using SafeERC20 for IERC20;

    /// @notice Where the fund, enrolment, parameter and view functions live (see `SampledVerifierExtension`).
    address public immutable extension;

    /// @dev Which side of a count is paid (the others are slashed).
    enum Side {
        All, //      a tie, or a check abandoned: every revealed verifier is paid, nobody slashed
        Agree, //    the provider's output stands
        Disagree //  the provider was outvoted
    }

    /// @param extension_ A `SampledVerifierExtension` built for the same market and randomness source.
    constructor(
        address authority,
        IJobMarket market_,
        IRandomnessSource randomness_,
        SampledVerifierExtension extension_,
        Params memory params_
    ) SampledVerifierBase(authority, market_, randomness_) {
        require(
            address(extension_.market()) == address(market_) && address(extension_.randomness()) == address(randomness_),
            SamplingExtensionMismatch(address(extension_))
        );
        extension = address(extension_);
        _s().challenger = address(new SampledVerifierChallenger(market_));
        _setParams(params_);
    }

    // ================================================================== the draw

    /// @inheritdoc ISampledVerifierCore
    function sample(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature)
        external
        nonReentrant
    {
        _begin(job, outputHash, signature, false);
    }

    /// @inheritdoc ISampledVerifierCore
    function fundCheck(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature)
        external
        nonReentrant
    {
        _begin(job, outputHash, signature, true);
    }

    /// @dev Starts the check of a drawn job: paid by the fund (`sample`, a draw below `samplingRateBps`) or by
    ///      the caller (`fundCheck`, a draw in the caller-paid band), whose rewards are then reserved like the
    ///      fund's (so `_available` is unchanged) and who pays no tip to itself. The fund advances the bond.
    function _begin(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature, bool funded)
        private
    {
        (JobId id, IJobMarketTypes.JobState memory st, Sampling memory sp) = _drawn(job, outputHash, signature);
        if (funded) {
            require(sp.band == Band.Caller, SamplingJobNotInPaidBand(id, sp.draw, sp.baseRateBps, sp.rateBps));
        } else if (sp.band != Band.Fund) {
            if (sp.band == Band.Caller) revert SamplingJobInPaidBand(id, sp.draw, sp.baseRateBps, sp.rateBps);
            revert SamplingJobNotSampled(id, sp.draw, sp.rateBps);
        }
        SampledVerifierStorage storage $ = _s();
        Check storage c = $.checks[id];
        uint256 reserve = _start(c, job, st.provider, outputHash, sp.bondCycle);
        uint256 tip;
        if (funded) {
            IERC20(job.token).safeTransferFrom(msg.sender, address(this), reserve);
            $.funders[id] = msg.sender;
            emit CheckFunded(id, msg.sender, sp.draw, sp.rateBps, reserve);
        } else {
            tip = JobLib.bpsOf(job.price, $.params.keeperTipBps);
        }
        uint256 bond = _payForSample(job, reserve, tip);
        _openDispute(job, st.provider, bond);
        _requestAssignment(c, id, job.model, 1, 0);
        emit JobSampled(id, st.provider, msg.sender, sp.draw, sp.rateBps, bond, tip);
    }

    /// @dev What `sample` and `fundCheck` check before looking at the band.
    function _drawn(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature)
        private
        view
        returns (JobId id, IJobMarketTypes.JobState memory st, Sampling memory sp)
    {
        id = JobLib.id(job);
        st = _submittedInWindow(id);
        _requireServed(id, job);
        _checkAttestation(id, job, outputHash, st, signature);
        // Computed by the extension (through the fallback), which keeps this contract under the size limit.
        sp = ISampledVerifierExtension(address(this)).samplingOf(job);
    }

    /// @dev Takes the bond, the keeper's tip and the verifiers' rewards out of the fund: the rewards are
    ///      reserved, the tip is owed to the caller, and the market may pull the bond.
    function _payForSample(IJobMarketTypes.Job calldata job, uint256 reserve, uint256 tip)
        private
        returns (uint256 bond)
    {
        SampledVerifierStorage storage $ = _s();
        address token = job.token;
        bond = JobLib.bondFor(
            job.price, market.paramsAt(job.paramsVersion).bondRatioBps, market.paymentToken(token).bondFloor
        );
        uint256 needed = bond + tip + reserve;
        uint256 available = _available(token);
        require(needed <= available, SamplingFundTooLow(token, needed, available));
        $.reserved[token] += reserve;
        _credit(msg.sender, token, tip);
        _ensureHeld(token, bond);
    }

    /// @dev Opens the job's dispute with `bond`: as this module, or, when the provider named this module as
    ///      its signer key (so that the market refuses the module as a challenger), through the module's
    ///      second challenger address. A provider has one key at a time: it cannot block both.
    function _openDispute(IJobMarketTypes.Job calldata job, address provider_, uint256 bond) private {
        if (market.provider(provider_).signer != address(this)) {
            IERC20(job.token).forceApprove(address(market), bond);
            market.openDispute(job, "sampled re-execution");
        } else {
            address agent = _s().challenger;
            IERC20(job.token).safeTransfer(agent, bond);
            SampledVerifierChallenger(agent).open(job, bond);
        }
    }

    /// @inheritdoc IVerifier
    /// @dev The module's own disputes (opened by `sample`) are set up there. Anyone else's dispute on a class
    ///      this module serves becomes a check that waits for the provider's attested output (`attest`).
    ///      Reverts `SamplingClassNotSupported` for NONE (nothing to re-run against), which makes the
    ///      market's `openDispute` revert: governance must not route that class here.
    function onDisputeOpened(JobId jobId, IJobMarketTypes.Job calldata job, address challenger, uint256)
        external
    {
        require(msg.sender == address(market), SamplingNotMarket(msg.sender));
        if (challenger == address(this) || challenger == _s().challenger) return;
        IJobMarketTypes.Determinism determinism = market.model(job.model).determinism;
        require(determinism != IJobMarketTypes.Determinism.NONE, SamplingClassNotSupported(jobId, determinism));
        Check storage c = _s().checks[jobId];
        c.status = CheckStatus.AwaitingAttestation;
        c.human = true;
        IJobMarketTypes.JobState memory st = market.jobState(jobId);
        c.provider = st.provider;
        // `openDispute` overwrote the submission time; the job was submitted within its challenge window
        // before now. Covered if the bond stood at any second of that span: a caught liar's bond is at stake
        // whatever the order of its release request and a sybil's dispute.
        Bond storage b = _s().bonds[st.provider];
        if (b.amount != 0 && (b.requestedAt == 0 || b.requestedAt + uint256(st.challengeWindow) > block.timestamp)) {
            c.bondCycle = b.cycle;
        }
        emit DisputeCheckOpened(jobId, challenger);
    }

    /// @inheritdoc ISampledVerifierCore
    function attest(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes calldata signature)
        external
        nonReentrant
    {
        SampledVerifierStorage storage $ = _s();
        JobId id = JobLib.id(job);
        Check storage c = $.checks[id];
        require(c.status == CheckStatus.AwaitingAttestation, SamplingCheckWrongStatus(id, c.status));
        IJobMarketTypes.JobState memory st = market.jobState(id);
        _checkAttestation(id, job, outputHash, st, signature);
        uint256 reserve = _start(c, job, st.provider, outputHash, 0);
        uint256 available = _available(job.token);
        require(reserve <= available, SamplingFundTooLow(job.token, reserve, available));
        $.reserved[job.token] += reserve;
        _requestAssignment(c, id, job.model, 1, 0);
        emit OutputAttested(id, outputHash);
    }

    /// @dev Snapshots what the check pays and locks; returns the rewards to reserve (every seat paid).
    /// @param bondCycle The provider's bond cycle that covered the job at submission (sampled checks; 0 keeps
    ///        what `onDisputeOpened` found).
    function _start(
        Check storage c,
        IJobMarketTypes.Job calldata job,
        address provider_,
        bytes32 outputHash,
        uint256 bondCycle
    ) private returns (uint256 reserve) {
        Params storage p = _s().params;
        if (bondCycle != 0) c.bondCycle = uint32(bondCycle);
        uint256 reward = JobLib.bpsOf(job.price, p.verifierRewardBps);
        c.provider = provider_;
        c.output = outputHash;
        c.reward = uint96(reward); // ≤ 5 × price < 2^99: price < 2^96 and the cast is checked below
        require(c.reward == reward, SamplingParamOutOfBounds("reward", reward, 0, type(uint96).max));
        c.verifierStake = p.verifierStake;
        c.escalationVerifiers = p.escalationVerifiers;
        c.tolerant = market.model(job.model).determinism == IJobMarketTypes.Determinism.TOLERANT;
        reserve = reward * (1 + uint256(p.escalationVerifiers));
    }

    /// @dev The job must be `Submitted` and inside its challenge window.
    function _submittedInWindow(JobId id) private view returns (IJobMarketTypes.JobState memory st) {
        st = market.jobState(id);
        require(st.status == IJobMarketTypes.JobStatus.Submitted, SamplingJobWrongStatus(id, st.status));
        uint256 endsAt = uint256(st.timestamp) + st.challengeWindow;
        require(block.timestamp <= endsAt, SamplingWindowClosed(id, endsAt, block.timestamp));
    }

    /// @dev This module must be the verifier of the job's class (else the bond would go to another module's
    ///      dispute), and the class must be one it decides by hash.
    function _requireServed(JobId id, IJobMarketTypes.Job calldata job) private view {
        IJobMarketTypes.Determinism determinism = market.model(job.model).determinism;
        address verifier = market.verifierOf(determinism);
        require(verifier == address(this), SamplingNotVerifierOf(job.model, determinism, verifier));
        require(determinism != IJobMarketTypes.Determinism.NONE, SamplingClassNotSupported(id, determinism));
    }

    /// @dev As the market's equivocation evidence: a key that became the provider's signer at or after the
    ///      job's signer epoch. A provider that rotates its key after submitting cannot dodge the draw, and a
    ///      key retired before the job was accepted is never accepted.
    function _checkAttestation(
        JobId id,
        IJobMarketTypes.Job calldata job,
        bytes32 outputHash,
        IJobMarketTypes.JobState memory st,
        bytes calldata signature
    ) private view {
        bytes32 digest = AttestationLib.digest(address(market), id, job.model, job.inputHash, outputHash, st.provider);
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        require(
            err == ECDSA.RecoverError.NoError && market.signerKeyEpoch(st.provider, recovered) > st.signerEpoch,
            SamplingBadAttestation(id, recovered)
        );
    }

    // ================================================================== assignment

    /// @dev Asks for `count` verifiers, drawn with the seed of the current epoch (which does not exist yet),
    ///      among those enrolled now (the list's length and the cutoff are fixed here).
    function _requestAssignment(Check storage c, JobId id, ModelId model, uint256 count, uint256 round) private {
        uint64 epoch = uint64(block.timestamp / epochLength);
        c.status = CheckStatus.AwaitingSeed;
        c.toAssign = uint8(count);
        c.seedEpoch = uint40(epoch);
        c.cutoff = uint40(block.timestamp);
        c.listLength = uint32(_s().verifiers[model].length);
        emit AssignmentRequested(id, round, count, epoch);
    }

    /// @inheritdoc ISampledVerifierCore
    function assign(IJobMarketTypes.Job calldata job) external nonReentrant {
        JobId id = JobLib.id(job);
        Check storage c = _s().checks[id];
        require(c.status == CheckStatus.AwaitingSeed, SamplingCheckWrongStatus(id, c.status));
        if (!_disputeLive(id)) return _abandon(c, id, job);
        bytes32 seed = randomness.seedOf(uint64(c.seedEpoch));
        (,,,, bool paused) = market.settings();
        require(!paused, SamplingMarketPaused());
        uint256 seats = c.toAssign;
        c.toAssign = 0;
        uint256 found;
        for (uint256 k; k < seats; ++k) {
            if (_fillSeat(c, id, job, seed, k)) ++found;
            else emit NoVerifierAvailable(id, c.round);
        }
        (uint256 live,,) = _roundCounts(c, id);
        if (live == 0) return _tally(c, id, job);
        c.status = CheckStatus.Running;
        Params storage p = _s().params;
        uint256 commitDeadline = block.timestamp + p.commitPeriod;
        c.commitDeadline = uint40(commitDeadline);
        c.revealDeadline = uint40(commitDeadline + p.revealPeriod);
    }

    /// @dev What every draw of one seat compares a candidate with.
    struct Exclusions {
        address provider;
        address providerSigner;
        address client;
        address[] challengers;
    }

    /// @dev Draws up to `MAX_PROBES` candidates for one seat at random; if none of them can sit, walks on from
    ///      the last draw through the next `min(n, MAX_PROBES)` slots. Locks the first eligible one. On a list of
    ///      at most `MAX_PROBES` the walk covers every slot, so a seat stays empty only when nobody can sit:
    ///      random draws alone left a seat empty whenever they all missed a lone eligible verifier. The walk
    ///      favours the slot after an ineligible run, but only after eight random misses.
    function _fillSeat(Check storage c, JobId id, IJobMarketTypes.Job calldata job, bytes32 seed, uint256 seat)
        private
        returns (bool)
    {
        uint256 n = c.listLength;
        if (n == 0) return false;
        Exclusions memory x = Exclusions(
            c.provider, market.provider(c.provider).signer, job.client, market.disputeChallengers(id)
        );
        uint256 assigned = c.assigned;
        uint256 probes = MAX_PROBES + (n < MAX_PROBES ? n : MAX_PROBES);
        uint256 index;
        for (uint256 probe; probe < probes; ++probe) {
            index = probe < MAX_PROBES ? uint256(keccak256(abi.encode(seed, id, assigned, seat, probe))) % n : (index + 1) % n;
            address candidate = _candidate(c, id, job.model, index, x);
            if (candidate == address(0) || !_tryLock(candidate, c.verifierStake)) continue;
            uint8 round = c.round;
            _s().votes[id][assigned] = Vote(candidate, VoteStatus.Assigned, round, bytes32(0), bytes32(0));
            c.assigned = uint8(assigned + 1);
            emit VerifierAssigned(id, candidate, assigned, round, block.timestamp + _s().params.commitPeriod);
            return true;
        }
        return false;
    }

    /// @dev Locks a verifier's stake; false when the market refuses (no allowance, jailed, below the
    ///      minimum stake, no free stake): the seat is drawn again.
    function _tryLock(address verifier, uint256 amount) private returns (bool) {
        try market.moduleLock(verifier, amount) {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev The account at `index` of the model's list if it may re-run the job, else zero. Who may not: the
    ///      provider and whoever shares a key with it, the client (a self-job's other account), the dispute's
    ///      challengers, anyone who already voted on the job, anyone who enrolled after the draw was asked
    ///      for, and anyone who no longer offers the model. A slot past the list's end (leaves shrank it) is an
    ///      empty draw, not a shift to a neighbour.
    function _candidate(Check storage c, JobId id, ModelId model, uint256 index, Exclusions memory x)
        private
        view
        returns (address candidate)
    {
        SampledVerifierStorage storage $ = _s();
        address[] storage list = $.verifiers[model];
        if (index >= list.length) return address(0);
        candidate = list[index];
        if (candidate == x.provider || candidate == x.providerSigner || candidate == x.client) return address(0);
        if ($.enrolments[model][candidate].since > c.cutoff) return address(0);
        for (uint256 i; i < x.challengers.length; ++i) {
            if (x.challengers[i] == candidate) return address(0);
        }
        uint256 assigned = c.assigned;
        for (uint256 i; i < assigned; ++i) {
            if ($.votes[id][i].verifier == candidate) return address(0);
        }
        address signer = market.provider(candidate).signer;
        if (signer == x.providerSigner || signer == x.provider) return address(0);
        if (!market.offer(candidate, model).active) return address(0);
    }

    // ================================================================== commit, reveal

    /// @inheritdoc ISampledVerifierCore
    function commit(IJobMarketTypes.Job calldata job, bytes32 commitment) external {
        JobId id = JobLib.id(job);
        Check storage c = _running(id);
        Vote storage v = _voteOf(c, id, msg.sender, VoteStatus.Assigned);
        require(block.timestamp <= c.commitDeadline, SamplingPhaseClosed(id, c.commitDeadline, block.timestamp));
        v.commitment = commitment;
        v.status = VoteStatus.Committed;
        emit VoteCommitted(id, msg.sender, commitment);
    }

    /// @inheritdoc ISampledVerifierCore
    function reveal(IJobMarketTypes.Job calldata job, bytes32 outputHash, bytes32 salt) external {
        JobId id = JobLib.id(job);
        Check storage c = _running(id);
        Vote storage v = _voteOf(c, id, msg.sender, VoteStatus.Committed);
        (uint256 live, uint256 committed,) = _roundCounts(c, id);
        require(committed == live, SamplingRevealNotOpen(id, committed, live));
        require(block.timestamp <= c.revealDeadline, SamplingPhaseClosed(id, c.revealDeadline, block.timestamp));
        bytes32 computed = keccak256(abi.encode(id, uint256(v.round), msg.sender, outputHash, salt));
        require(computed == v.commitment, SamplingCommitmentMismatch(id, msg.sender, v.commitment, computed));
        v.output = outputHash;
        v.status = VoteStatus.Revealed;
        emit VoteRevealed(id, msg.sender, outputHash, outputHash == c.output);
    }

    function _running(JobId id) private view returns (Check storage c) {
        c = _s().checks[id];
        require(c.status == CheckStatus.Running, SamplingCheckWrongStatus(id, c.status));
    }

    /// @dev The caller's vote in the current round, which must be in `status`.
    function _voteOf(Check storage c, JobId id, address verifier, VoteStatus status)
        private
        view
        returns (Vote storage)
    {
        mapping(uint256 => Vote) storage votes = _s().votes[id];
        uint256 assigned = c.assigned;
        for (uint256 i = c.roundFirst; i < assigned; ++i) {
            Vote storage v = votes[i];
            if (v.verifier == verifier && v.status == status) return v;
        }
        revert SamplingNotAssigned(id, verifier);
    }

    // ================================================================== resolution

    /// @inheritdoc ISampledVerifierCore
    function resolve(IJobMarketTypes.Job calldata job) external nonReentrant {
        JobId id = JobLib.id(job);
        Check storage c = _s().checks[id];
        CheckStatus status = c.status;
        bool waits = status == CheckStatus.AwaitingArbitration;
        require(status == CheckStatus.Running || waits, SamplingCheckWrongStatus(id, status));
        if (!_disputeLive(id)) return _abandon(c, id, job);
        // Awaiting the arbiter: only `rule` (or the dispute's deadline) moves it on.
        require(!waits, SamplingCheckWrongStatus(id, status));
        (uint256 live, uint256 committed, uint256 revealed) = _roundCounts(c, id);
        if (revealed == live) return _tally(c, id, job);
        if (committed < live) {
            require(block.timestamp > c.commitDeadline, SamplingRoundOpen(id, c.commitDeadline, block.timestamp));
            _replaceOrTally(c, id, job, _slashMissing(c, id, VoteStatus.Assigned));
        } else {
            require(block.timestamp > c.revealDeadline, SamplingRoundOpen(id, c.revealDeadline, block.timestamp));
            uint256 missed = _slashMissing(c, id, VoteStatus.Committed);
            // In round 0 the only answer a replacement can see is the provider's, which is public anyway. In
            // round 1 the others' answers are revealed by now: a replacement could copy them, so none is drawn.
            if (c.round == 0) _replaceOrTally(c, id, job, missed);
            else _tally(c, id, job);
        }
    }

    /// @inheritdoc ISampledVerifierCore
    function rule(IJobMarketTypes.Job calldata job, bool providerStands) external restricted nonReentrant {
        JobId id = JobLib.id(job);
        Check storage c = _s().checks[id];
        require(c.status == CheckStatus.AwaitingArbitration, SamplingCheckWrongStatus(id, c.status));
        if (!_disputeLive(id)) return _abandon(c, id, job);
        (uint256 agree, uint256 disagree) = _count(c, id);
        IJobMarketTypes.Outcome outcome = IJobMarketTypes.Outcome.Upheld;
        // Upheld: the provider's output is out of tolerance, and so is every vote with the same bytes (a copier
        // of the public output, or a planted check's lazy verifier): those are slashed, the others paid.
        Side side = Side.Disagree;
        if (providerStands) {
            outcome = c.human ? IJobMarketTypes.Outcome.Rejected : IJobMarketTypes.Outcome.Draw;
            side = Side.All;
            if (!c.human && _s().funders[id] == address(0)) ++_s().passed[c.provider];
        }
        emit ArbitrationRuled(id, providerStands, msg.sender);
        _conclude(c, id, job, outcome, side, agree, disagree);
    }

    /// @dev The output of the first revealed vote (round 0's).
    function _firstOutput(Check storage c, JobId id) private view returns (bytes32) {
        mapping(uint256 => Vote) storage votes = _s().votes[id];
        uint256 assigned = c.assigned;
        for (uint256 i; i < assigned; ++i) {
            if (votes[i].status == VoteStatus.Revealed) return votes[i].output;
        }
        return bytes32(0);
    }

    /// @dev Slashes every vote of the current round still in `status` (it missed its phase).
    function _slashMissing(Check storage c, JobId id, VoteStatus status) private returns (uint256 missed) {
        mapping(uint256 => Vote) storage votes = _s().votes[id];
        uint256 assigned = c.assigned;
        for (uint256 i = c.roundFirst; i < assigned; ++i) {
            Vote storage v = votes[i];
            if (v.status != status) continue;
            _slash(c, id, v, true);
            ++missed;
        }
    }

    function _replaceOrTally(Check storage c, JobId id, IJobMarketTypes.Job calldata job, uint256 missed) private {
        uint256 left = MAX_REPLACEMENTS - c.replacements;
        uint256 count = missed < left ? missed : left;
        if (count == 0) return _tally(c, id, job);
        c.replacements += uint8(count);
        _requestAssignment(c, id, job.model, count, c.round);
    }

    /// @dev Counts every revealed vote and rules, or escalates after a first disagreement.
    function _tally(Check storage c, JobId id, IJobMarketTypes.Job calldata job) private {
        (uint256 agree, uint256 disagree) = _count(c, id);
        if (c.round == 0 && (disagree != 0 || c.exposed)) {
            if (c.tolerant) {
                c.status = CheckStatus.AwaitingArbitration;
                emit ArbitrationRequested(id, c.output, _firstOutput(c, id));
                return;
            }
            c.round = 1;
            c.roundFirst = c.assigned;
            return _requestAssignment(c, id, job.model, c.escalationVerifiers, 1);
        }
        // Upheld needs a strict majority of at least two verifiers: one verifier alone never slashes a provider.
        if (disagree > agree && disagree >= 2) {
            _conclude(c, id, job, IJobMarketTypes.Outcome.Upheld, Side.Disagree, agree, disagree);
        } else if (agree > disagree) {
            if (!c.human && _s().funders[id] == address(0)) ++_s().passed[c.provider];
            IJobMarketTypes.Outcome o = c.human ? IJobMarketTypes.Outcome.Rejected : IJobMarketTypes.Outcome.Draw;
            _conclude(c, id, job, o, Side.Agree, agree, disagree);
        } else {
            // A tie, or no verifier at all: nothing was shown either way. The result stands; bonds come back.
            _conclude(c, id, job, IJobMarketTypes.Outcome.Draw, Side.All, agree, disagree);
        }
    }

    function _count(Check storage c, JobId id) private view returns (uint256 agree, uint256 disagree) {
        mapping(uint256 => Vote) storage votes = _s().votes[id];
        uint256 assigned = c.assigned;
        bytes32 output = c.output;
        for (uint256 i; i < assigned; ++i) {
            Vote storage v = votes[i];
            if (v.status != VoteStatus.Revealed) continue;
            if (v.output == output) ++agree;
            else ++disagree;
        }
    }

    /// @dev Pays the winning side, slashes the losing side, frees the reserve and rules.
    function _conclude(
        Check storage c,
        JobId id,
        IJobMarketTypes.Job calldata job,
        IJobMarketTypes.Outcome outcome,
        Side side,
        uint256 agree,
        uint256 disagree
    ) private {
        uint256 unused = _settleVotes(c, id, job.token, side);
        c.status = CheckStatus.Closed;
        address funder = _s().funders[id];
        bool upheld = outcome == IJobMarketTypes.Outcome.Upheld;
        if (funder != address(0) && upheld) {
            // The module's winnings (its share of the slash and the fee, in stake) belong to the funder.
            (address stakeToken,,,,) = market.settings();
            uint256 bond = market.dispute(id).bond;
            uint256 before = _claimableHere(stakeToken);
            market.resolveDispute(job, outcome, 0);
            uint256 won = _claimableHere(stakeToken) - before;
            // The bond itself (back in the job's token) is the fund's: it advanced it.
            if (stakeToken == job.token) won -= bond;
            _credit(funder, stakeToken, won);
            _settleFunded(id, funder, job.token, unused, won);
        } else {
            market.resolveDispute(job, outcome, 0);
            if (funder != address(0)) _settleFunded(id, funder, job.token, unused, 0);
        }
        if (upheld && c.bondCycle != 0) SampledVerifierExtension(address(this)).slashBond(id, c.provider, c.bondCycle);
        emit CheckResolved(id, outcome, agree, disagree, false);
    }

    /// @dev What the module and its second challenger address hold in the market, in `token`.
    function _claimableHere(address token) private view returns (uint256) {
        return market.claimable(address(this), token) + market.claimable(_s().challenger, token);
    }

    /// @dev A funded check ended: the funder is owed the rewards it paid that nobody earned.
    function _settleFunded(JobId id, address funder, address token, uint256 unused, uint256 won) private {
        _credit(funder, token, unused);
        emit FundedCheckSettled(id, funder, unused, won);
    }

    function _credit(address account, address token, uint256 amount) private {
        if (amount == 0) return;
        SampledVerifierStorage storage $ = _s();
        $.owed[account][token] += amount;
        $.owedTotal[token] += amount;
    }

    /// @dev The dispute is gone (an equivocation proof closed it, or it was cancelled after its deadline) or
    ///      its deadline passed: nothing can be ruled. Every lock is released and who revealed is paid.
    ///      A funder gets back what nobody earned; an equivocation reward (the module was the first
    ///      challenger) stays with the fund, which advanced the bond.
    function _abandon(Check storage c, JobId id, IJobMarketTypes.Job calldata job) private {
        (uint256 agree, uint256 disagree) = _count(c, id);
        uint256 unused = _settleVotes(c, id, job.token, Side.All);
        c.status = CheckStatus.Closed;
        address funder = _s().funders[id];
        if (funder != address(0)) _settleFunded(id, funder, job.token, unused, 0);
        emit CheckResolved(id, IJobMarketTypes.Outcome.Draw, agree, disagree, true);
    }

    /// @dev Every vote still holding stake: revealed on the paid side → released and paid; revealed on the
    ///      other side → slashed; not revealed (only when abandoned) → released. Frees the check's reserve;
    ///      returns the part of it nobody was paid.
    function _settleVotes(Check storage c, JobId id, address token, Side side) private returns (uint256 unused) {
        uint256 assigned = c.assigned;
        uint256 paidOut;
        for (uint256 i; i < assigned; ++i) {
            paidOut += _settleVote(c, id, _s().votes[id][i], token, side);
        }
        uint256 reserve = uint256(c.reward) * (1 + uint256(c.escalationVerifiers));
        _s().reserved[token] -= reserve;
        unused = reserve - paidOut;
    }

    /// @dev One vote of `_settleVotes`; returns the reward credited.
    function _settleVote(Check storage c, JobId id, Vote storage v, address token, Side side)
        private
        returns (uint256 reward)
    {
        VoteStatus s = v.status;
        if (s == VoteStatus.Slashed) return 0;
        bool paid = s == VoteStatus.Revealed && (side == Side.All || (side == Side.Agree) == (v.output == c.output));
        if (s == VoteStatus.Revealed && !paid) {
            _slash(c, id, v, false);
            return 0;
        }
        market.moduleRelease(v.verifier, c.verifierStake);
        if (!paid) return 0;
        reward = c.reward;
        if (reward != 0) {
            _credit(v.verifier, token, reward);
            emit VerifierRewarded(id, v.verifier, token, reward);
        }
    }

    /// @dev Takes a verifier's whole `verifierStake`: all of it to the treasury (reward 0), as the core shares
    ///      it; the module keeps nothing of it.
    function _slash(Check storage c, JobId id, Vote storage v, bool timedOut) private {
        v.status = VoteStatus.Slashed;
        uint256 amount = c.verifierStake;
        market.moduleSlash(v.verifier, amount, address(this), 0);
        emit VerifierSlashed(id, v.verifier, amount, timedOut);
    }

    /// @dev Whether the job's dispute is still this module's to rule: open, routed here, before its deadline.
    function _disputeLive(JobId id) private view returns (bool) {
        if (market.jobState(id).status != IJobMarketTypes.JobStatus.Disputed) return false;
        IJobMarketTypes.Dispute memory d = market.dispute(id);
        return d.verifier == address(this) && block.timestamp <= d.deadline;
    }

    /// @dev Everything else (fund, enrolment, parameters, views) runs in the extension, in this storage.
    fallback() external {
        address ext = extension;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), ext, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
