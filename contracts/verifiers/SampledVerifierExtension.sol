// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";
import {ISampledVerifierExtension} from "../interfaces/ISampledVerifier.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId, ModelId} from "../types/Ids.sol";
import {SampledVerifierBase} from "./SampledVerifierBase.sol";

/// @title Sampled re-execution verifier: fund, enrolment, parameters and views
/// @notice Runs only by `delegatecall` from `SampledVerifier`'s fallback, in its storage and under its
///         address (so `restricted` asks the AccessManager about SampledVerifier's functions). Holds no
///         state of its own, and refuses direct calls to its state-changing functions.
contract SampledVerifierExtension is SampledVerifierBase, ISampledVerifierExtension {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @dev This contract's own address, to refuse direct calls.
    address private immutable self = address(this);

    /// @notice Raised when this contract is called directly instead of through `SampledVerifier`.
    error SampledVerifierExtensionDirectCall();

    modifier onlyDelegated() {
        require(address(this) != self, SampledVerifierExtensionDirectCall());
        _;
    }

    constructor(IJobMarket market_, IRandomnessSource randomness_) SampledVerifierBase(address(0), market_, randomness_) {}

    // ================================================================== money

    /// @inheritdoc ISampledVerifierExtension
    function fund(address token, uint256 amount) external onlyDelegated nonReentrant {
        require(amount != 0, SamplingParamOutOfBounds("amount", 0, 1, type(uint256).max));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        emit Funded(token, msg.sender, amount);
    }

    /// @inheritdoc ISampledVerifierExtension
    function withdrawFund(address token, uint256 amount, address to) external onlyDelegated restricted nonReentrant {
        require(to != address(0), SamplingZeroAddress());
        uint256 available = _available(token);
        require(amount <= available, SamplingFundTooLow(token, amount, available));
        _pay(token, to, amount);
        emit FundWithdrawn(token, to, amount);
    }

    /// @inheritdoc ISampledVerifierExtension
    function claimRewards(address token, address to) external onlyDelegated nonReentrant returns (uint256 amount) {
        require(to != address(0), SamplingZeroAddress());
        SampledVerifierStorage storage $ = _s();
        amount = $.owed[msg.sender][token];
        require(amount != 0, SamplingNothingOwed(msg.sender, token));
        $.owed[msg.sender][token] = 0;
        $.owedTotal[token] -= amount;
        _pay(token, to, amount);
        emit RewardsClaimed(msg.sender, token, to, amount);
    }

    // ================================================================== parameters

    /// @inheritdoc ISampledVerifierExtension
    function setParams(Params calldata params_) external onlyDelegated restricted {
        _setParams(params_);
    }

    // ================================================================== verifiers

    /// @inheritdoc ISampledVerifierExtension
    function enrol(ModelId model) external onlyDelegated {
        SampledVerifierStorage storage $ = _s();
        IJobMarketTypes.ProviderInfo memory info = market.provider(msg.sender);
        require(info.registered && info.jailedUntil <= block.timestamp, SamplingNotEligible(msg.sender, model));
        require(market.offer(msg.sender, model).active, SamplingNoOffer(msg.sender, model));
        uint256 allowance = market.moduleStake(address(this), msg.sender).allowance;
        uint256 needed = $.params.verifierStake;
        require(allowance >= needed, SamplingAllowanceTooLow(msg.sender, allowance, needed));
        Enrolment storage e = $.enrolments[model][msg.sender];
        require(e.index == 0, SamplingAlreadyEnrolled(msg.sender, model));
        address[] storage list = $.verifiers[model];
        list.push(msg.sender);
        e.index = uint32(list.length);
        e.since = uint40(block.timestamp);
        emit VerifierEnrolled(model, msg.sender);
    }

    /// @inheritdoc ISampledVerifierExtension
    function unenrol(ModelId model) external onlyDelegated {
        SampledVerifierStorage storage $ = _s();
        Enrolment storage e = $.enrolments[model][msg.sender];
        uint256 index = e.index;
        require(index != 0, SamplingNotEnrolled(msg.sender, model));
        address[] storage list = $.verifiers[model];
        address last = list[list.length - 1];
        list[index - 1] = last;
        $.enrolments[model][last].index = uint32(index);
        list.pop();
        delete $.enrolments[model][msg.sender];
        emit VerifierLeft(model, msg.sender);
    }

    /// @inheritdoc ISampledVerifierExtension
    function expose(IJobMarketTypes.Job calldata job) external onlyDelegated restricted {
        JobId id = JobLib.id(job);
        Check storage c = _s().checks[id];
        require(c.status == CheckStatus.Running, SamplingCheckWrongStatus(id, c.status));
        require(!c.exposed, SamplingAlreadyExposed(id));
        // Under TOLERANT an exposed round 0 goes to the arbiter whatever it answered (`_tally`); upholding the
        // canary there slashes every vote equal to its output (`rule`).
        (uint256 live, uint256 committed,) = _roundCounts(c, id);
        require(c.round == 0 && live != 0 && committed == live, SamplingExposeNotOpen(id, c.round, committed, live));
        c.exposed = true;
        emit CheckExposed(id, msg.sender);
    }

    /// @inheritdoc ISampledVerifierExtension
    function rejectVote(IJobMarketTypes.Job calldata job, uint256 index) external onlyDelegated restricted nonReentrant {
        JobId id = JobLib.id(job);
        SampledVerifierStorage storage $ = _s();
        Check storage c = $.checks[id];
        require(c.status == CheckStatus.AwaitingArbitration, SamplingCheckWrongStatus(id, c.status));
        Vote storage v = $.votes[id][index];
        // Only a revealed vote that differs from the provider's: an equal one stands or falls with the provider
        // (`rule`), and an unassigned index reads as an empty vote (status None).
        require(
            v.status == VoteStatus.Revealed && v.output != c.output, SamplingVoteNotRejectable(id, index, v.status, v.output)
        );
        v.status = VoteStatus.Slashed;
        uint256 amount = c.verifierStake;
        market.moduleSlash(v.verifier, amount, address(this), 0);
        emit VoteRejected(id, index, v.verifier, msg.sender);
        emit VerifierSlashed(id, v.verifier, amount, false);
    }

    // ================================================================== sampling bonds

    /// @inheritdoc ISampledVerifierExtension
    function postBond(uint256 amount) external onlyDelegated nonReentrant {
        Bond storage b = _s().bonds[msg.sender];
        uint256 total = b.amount + amount;
        require(amount != 0 && total <= type(uint96).max, SamplingBondAmountInvalid(msg.sender, amount, total));
        if (b.amount == 0) {
            // A new bond: it covers jobs submitted from now on. (A slashed bond's pending release, if any, ends.)
            b.cycle += 1;
            b.postedAt = uint40(block.timestamp);
            b.requestedAt = 0;
            b.releaseAt = 0;
        } else {
            require(b.releaseAt == 0, SamplingBondReleasing(msg.sender, b.releaseAt));
        }
        market.moduleLock(msg.sender, amount);
        b.amount = uint96(total);
        _recordBond(msg.sender, b.cycle, total);
        emit BondPosted(msg.sender, amount, total, b.cycle);
    }

    /// @inheritdoc ISampledVerifierExtension
    function requestBondRelease() external onlyDelegated {
        Bond storage b = _s().bonds[msg.sender];
        require(b.amount != 0, SamplingNoBond(msg.sender));
        require(b.releaseAt == 0, SamplingBondReleasing(msg.sender, b.releaseAt));
        uint256 releaseAt = block.timestamp + _s().params.bondReleaseDelay;
        b.requestedAt = uint40(block.timestamp);
        b.releaseAt = uint40(releaseAt);
        _recordBond(msg.sender, b.cycle, 0);
        emit BondReleaseRequested(msg.sender, b.amount, releaseAt);
    }

    /// @inheritdoc ISampledVerifierExtension
    function withdrawBond() external onlyDelegated nonReentrant {
        Bond storage b = _s().bonds[msg.sender];
        uint256 amount = b.amount;
        require(amount != 0, SamplingNoBond(msg.sender));
        uint256 releaseAt = b.releaseAt;
        require(releaseAt != 0, SamplingBondNotReleasing(msg.sender));
        require(block.timestamp >= releaseAt, SamplingBondLocked(msg.sender, releaseAt, block.timestamp));
        b.amount = 0;
        // What this module still holds of the caller's stake (a retired module's locks may have been released).
        uint256 locked = market.moduleStake(address(this), msg.sender).locked;
        if (amount > locked) amount = locked;
        if (amount != 0) market.moduleRelease(msg.sender, amount);
        emit BondWithdrawn(msg.sender, amount);
    }

    /// @dev An `Upheld` check of a job that bond cycle `cycle` covered: slashes all of the provider's bond (if
    ///      that cycle still stands) to the treasury, none of it to anyone who could be the provider's sybil.
    ///      Runs in the extension, called by `SampledVerifier` itself (keeping it under the size limit).
    function slashBond(JobId id, address provider_, uint256 cycle) external onlyDelegated {
        require(msg.sender == address(this), SampledVerifierExtensionDirectCall());
        SampledVerifierStorage storage $ = _s();
        Bond storage b = $.bonds[provider_];
        uint256 amount = b.amount;
        if (b.cycle != cycle || amount == 0) return;
        b.amount = 0;
        _recordBond(provider_, cycle, 0);
        // What this module still holds of the provider's stake (a retired-and-restored module may hold less).
        uint256 locked = market.moduleStake(address(this), provider_).locked;
        if (amount > locked) amount = locked;
        if (amount != 0) market.moduleSlash(provider_, amount, address(this), 0);
        emit BondSlashed(provider_, id, amount);
    }

    // ================================================================== views

    /// @inheritdoc ISampledVerifierExtension
    function bondOf(address provider_) external view returns (Bond memory) {
        return _s().bonds[provider_];
    }

    /// @inheritdoc ISampledVerifierExtension
    function bondAt(address provider_, uint256 timestamp) external view returns (uint256) {
        return uint96(_s().bondHistory[provider_].upperLookupRecent(uint48(timestamp)));
    }

    /// @inheritdoc ISampledVerifierExtension
    function samplingOf(IJobMarketTypes.Job calldata job) external view returns (Sampling memory) {
        JobId id = JobLib.id(job);
        IJobMarketTypes.JobState memory st = market.jobState(id);
        require(st.status == IJobMarketTypes.JobStatus.Submitted, SamplingJobWrongStatus(id, st.status));
        return _sampling(id, job, st);
    }

    /// @inheritdoc ISampledVerifierExtension
    function funderOf(JobId jobId) external view returns (address) {
        return _s().funders[jobId];
    }

    /// @inheritdoc ISampledVerifierExtension
    function rateOf(address provider_) external view returns (uint256) {
        return _rateOf(provider_);
    }

    /// @inheritdoc ISampledVerifierExtension
    function isSampled(IJobMarketTypes.Job calldata job)
        external
        view
        returns (bool sampled, uint256 draw, uint256 rateBps)
    {
        JobId id = JobLib.id(job);
        IJobMarketTypes.JobState memory st = market.jobState(id);
        require(st.status == IJobMarketTypes.JobStatus.Submitted, SamplingJobWrongStatus(id, st.status));
        Sampling memory sp = _sampling(id, job, st);
        return (sp.band == Band.Fund, sp.draw, sp.baseRateBps);
    }

    /// @inheritdoc ISampledVerifierExtension
    function params() external view returns (Params memory) {
        return _s().params;
    }

    /// @inheritdoc ISampledVerifierExtension
    function checkOf(JobId jobId) external view returns (Check memory) {
        return _s().checks[jobId];
    }

    /// @inheritdoc ISampledVerifierExtension
    function voteOf(JobId jobId, uint256 index) external view returns (Vote memory) {
        return _s().votes[jobId][index];
    }

    /// @inheritdoc ISampledVerifierExtension
    function verifierCount(ModelId model) external view returns (uint256) {
        return _s().verifiers[model].length;
    }

    /// @inheritdoc ISampledVerifierExtension
    function verifierAt(ModelId model, uint256 index) external view returns (address) {
        return _s().verifiers[model][index];
    }

    /// @inheritdoc ISampledVerifierExtension
    function enrolment(ModelId model, address verifier) external view returns (Enrolment memory) {
        return _s().enrolments[model][verifier];
    }

    /// @inheritdoc ISampledVerifierExtension
    function passedChecks(address provider_) external view returns (uint256) {
        return _s().passed[provider_];
    }

    /// @inheritdoc ISampledVerifierExtension
    function owed(address account, address token) external view returns (uint256) {
        return _s().owed[account][token];
    }

    /// @inheritdoc ISampledVerifierExtension
    function secondChallenger() external view returns (address) {
        return _s().challenger;
    }

    /// @inheritdoc ISampledVerifierExtension
    function fundOf(address token) external view returns (uint256 available, uint256 reserved) {
        return (_available(token), _s().reserved[token]);
    }
}
