// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";
import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../interfaces/ISampledVerifier.sol";
import {JobId, ModelId} from "../types/Ids.sol";
import {SampledVerifierChallenger} from "./SampledVerifierChallenger.sol";

/// @title Shared storage and internals of the sampled re-execution verifier
/// @notice `SampledVerifier` (the check's state machine) and `SampledVerifierExtension` (fund, enrolment,
///         parameters, views; reached by `delegatecall` from SampledVerifier's fallback) both inherit this
///         base, so they read and write the same ERC-7201 namespace, as the market and its extension do.
///         The split keeps each contract under the project's 22,500-byte limit.
abstract contract SampledVerifierBase is
    ISampledVerifierTypes,
    ISampledVerifierErrors,
    ISampledVerifierEvents,
    AccessManaged,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    // ------------------------------------------------------------------ constants (bounds in code)

    uint256 internal constant BPS = 10_000;
    uint256 public constant MIN_RATE_BPS = 10; //             0.1 %
    uint256 public constant MAX_RATE_BPS = 10_000; //         100 %
    uint256 public constant MAX_NEW_PROVIDER_CHECKS = 10_000;
    uint256 public constant MAX_VERIFIER_REWARD_BPS = 50_000; // 5x the price
    uint256 public constant MAX_KEEPER_TIP_BPS = 1_000; //    10 % of the price
    uint256 public constant MIN_PERIOD = 10 minutes;
    /// @notice With `MAX_REPLACEMENTS` and two rounds, six phases of at most 2 × 90 min plus an epoch each
    ///         fit in the smallest dispute resolution period (1 day).
    uint256 public constant MAX_PERIOD = 90 minutes;
    uint256 public constant MIN_ESCALATION_VERIFIERS = 2;
    uint256 public constant MAX_ESCALATION_VERIFIERS = 4;
    uint256 public constant MAX_VERIFIER_STAKE = 1e27;
    /// @notice Seed epochs must end well inside the smallest challenge window (1 h).
    uint256 public constant MAX_EPOCH_LENGTH = 30 minutes;
    /// @notice Verifiers that may replace ones that missed their phase, per check.
    uint256 public constant MAX_REPLACEMENTS = 4;
    /// @notice Draws per seat before the seat is left empty.
    uint256 public constant MAX_PROBES = 8;
    /// @notice `deterrenceBps` bounds: a caught lie costs at least once, at most ten times, the price in stake.
    uint256 public constant MIN_DETERRENCE_BPS = 10_000;
    uint256 public constant MAX_DETERRENCE_BPS = 100_000;
    /// @notice The shortest bond release delay: the market's longest challenge window (72 h) plus its longest
    ///         dispute resolution period (14 d), so a covered job can be drawn and ruled while the bond stands.
    uint256 public constant MIN_BOND_RELEASE_DELAY = 72 hours + 14 days;
    uint256 public constant MAX_BOND_RELEASE_DELAY = 60 days;

    // ------------------------------------------------------------------ immutables and storage

    /// @notice The market this module serves.
    IJobMarket public immutable market;
    /// @notice Where the seeds come from.
    IRandomnessSource public immutable randomness;
    /// @notice The seed epoch length (`randomness.epochLength()`), in seconds.
    uint256 public immutable epochLength;

    /// @custom:storage-location erc7201:depinfer.storage.SampledVerifier
    struct SampledVerifierStorage {
        Params params;
        mapping(JobId => Check) checks;
        mapping(JobId => mapping(uint256 index => Vote)) votes;
        mapping(ModelId => address[]) verifiers;
        mapping(ModelId => mapping(address verifier => Enrolment)) enrolments;
        mapping(address provider => uint256) passed;
        mapping(address account => mapping(address token => uint256)) owed;
        mapping(address token => uint256) owedTotal;
        mapping(address token => uint256) reserved;
        /// @dev The module's second challenger address (`SampledVerifierChallenger`), set at construction.
        address challenger;
        mapping(address provider => Bond) bonds;
        /// @dev Each provider's bond over time, keyed by timestamp: what covered a job submitted then, as
        ///      `cycle << 96 | amount` (the amount after a post or top-up; 0 from a release request or a slash on).
        mapping(address provider => Checkpoints.Trace208) bondHistory;
        /// @dev Who paid for a caller-funded check (zero: the fund).
        mapping(JobId => address) funders;
    }

    // keccak256(abi.encode(uint256(keccak256("depinfer.storage.SampledVerifier")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x6fd6b2adb761db25171edd417670b70d092a43caf70e9298140893c414f16300;

    function _s() internal pure returns (SampledVerifierStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    constructor(address authority, IJobMarket market_, IRandomnessSource randomness_) AccessManaged(authority) {
        require(address(market_) != address(0) && address(randomness_) != address(0), SamplingZeroAddress());
        uint256 len = randomness_.epochLength();
        require(len != 0 && len <= MAX_EPOCH_LENGTH, SamplingEpochTooLong(len, MAX_EPOCH_LENGTH));
        market = market_;
        randomness = randomness_;
        epochLength = len;
    }

    /// @dev What the module holds of `token` (here, and claimable in the market by it or by its second
    ///      challenger address) beyond what it owes and reserved.
    function _available(address token) internal view returns (uint256) {
        SampledVerifierStorage storage $ = _s();
        uint256 have = IERC20(token).balanceOf(address(this)) + market.claimable(address(this), token)
            + market.claimable($.challenger, token);
        uint256 owe = $.reserved[token] + $.owedTotal[token];
        return have > owe ? have - owe : 0;
    }

    /// @dev Makes sure `amount` of `token` is held here, pulling the module's market balance (returned bonds
    ///      and fees), then its second challenger's, when it is not.
    function _ensureHeld(address token, uint256 amount) internal {
        if (IERC20(token).balanceOf(address(this)) >= amount) return;
        if (market.claimable(address(this), token) != 0) market.claim(token, address(this));
        if (IERC20(token).balanceOf(address(this)) < amount) {
            SampledVerifierChallenger(_s().challenger).sweep(token);
        }
    }

    function _pay(address token, address to, uint256 amount) internal {
        _ensureHeld(token, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    function _setParams(Params memory p) internal {
        _within("samplingRateBps", p.samplingRateBps, MIN_RATE_BPS, MAX_RATE_BPS);
        _within("newProviderRateBps", p.newProviderRateBps, p.samplingRateBps, MAX_RATE_BPS);
        _within("newProviderChecks", p.newProviderChecks, 0, MAX_NEW_PROVIDER_CHECKS);
        _within("verifierRewardBps", p.verifierRewardBps, 0, MAX_VERIFIER_REWARD_BPS);
        _within("keeperTipBps", p.keeperTipBps, 0, MAX_KEEPER_TIP_BPS);
        _within("commitPeriod", p.commitPeriod, MIN_PERIOD, MAX_PERIOD);
        _within("revealPeriod", p.revealPeriod, MIN_PERIOD, MAX_PERIOD);
        _within("escalationVerifiers", p.escalationVerifiers, MIN_ESCALATION_VERIFIERS, MAX_ESCALATION_VERIFIERS);
        _within("verifierStake", p.verifierStake, 1, MAX_VERIFIER_STAKE);
        _within("deterrenceBps", p.deterrenceBps, MIN_DETERRENCE_BPS, MAX_DETERRENCE_BPS);
        _within("bondReleaseDelay", p.bondReleaseDelay, MIN_BOND_RELEASE_DELAY, MAX_BOND_RELEASE_DELAY);
        _s().params = p;
        emit SamplingParamsUpdated(p);
    }

    function _within(string memory name, uint256 value, uint256 min, uint256 max) internal pure {
        require(value >= min && value <= max, SamplingParamOutOfBounds(name, value, min, max));
    }

    /// @dev The sampling of a submitted job (`st.timestamp` is its submission time): its draw
    ///      `keccak256(seed of its submission epoch, jobId) mod 10_000`, compared with `samplingRateBps` (the
    ///      fund's band) and with the job's rate `max(rateOf(provider), ⌈δ × P_S / (C + B)⌉)`, capped at 10_000
    ///      bps, where `P_S = C × 10_000 / collateralRatioBps` (the price in stake, from the job's snapshot)
    ///      and `B` the bond as it stood at submission (so a later top-up never lowers an older job's rate).
    function _sampling(JobId id, IJobMarketTypes.Job calldata job, IJobMarketTypes.JobState memory st)
        internal
        view
        returns (Sampling memory s)
    {
        SampledVerifierStorage storage $ = _s();
        bytes32 seed = randomness.seedOf(uint64(st.timestamp / epochLength));
        s.draw = uint256(keccak256(abi.encode(seed, id))) % BPS;
        s.baseRateBps = $.params.samplingRateBps;
        uint256 packed = $.bondHistory[st.provider].upperLookupRecent(uint48(st.timestamp));
        s.bond = uint96(packed);
        if (s.bond != 0) s.bondCycle = packed >> 96;
        uint256 rate = _rateOf(st.provider);
        uint256 c = job.collateral;
        if (c != 0) {
            uint256 ratio = market.paramsAt(job.paramsVersion).collateralRatioBps;
            // δ × P_S / (C + B) in bps = δ × C × 10_000 / (ratio × (C + B)), rounded up.
            uint256 adaptive = Math.mulDiv(uint256($.params.deterrenceBps) * c, BPS, ratio * (c + s.bond), Math.Rounding.Ceil);
            if (adaptive > rate) rate = adaptive;
        }
        s.rateBps = rate > BPS ? BPS : rate;
        s.band = s.draw < s.baseRateBps ? Band.Fund : s.draw < s.rateBps ? Band.Caller : Band.Unsampled;
    }

    /// @dev Writes the bond that covers jobs submitted from now on (a second write in the same second wins).
    function _recordBond(address provider_, uint256 cycle, uint256 amount) internal {
        _s().bondHistory[provider_].push(uint48(block.timestamp), uint208(cycle << 96 | amount));
    }


    function _rateOf(address provider_) internal view returns (uint256) {
        SampledVerifierStorage storage $ = _s();
        Params storage p = $.params;
        return $.passed[provider_] < p.newProviderChecks ? p.newProviderRateBps : p.samplingRateBps;
    }


    /// @dev In the current round: votes not slashed, of which committed (or revealed), of which revealed.
    function _roundCounts(Check storage c, JobId id)
        internal
        view
        returns (uint256 live, uint256 committed, uint256 revealed)
    {
        mapping(uint256 => Vote) storage votes = _s().votes[id];
        uint256 assigned = c.assigned;
        for (uint256 i = c.roundFirst; i < assigned; ++i) {
            VoteStatus s = votes[i].status;
            if (s == VoteStatus.Slashed) continue;
            ++live;
            if (s == VoteStatus.Committed) ++committed;
            if (s == VoteStatus.Revealed) {
                ++committed;
                ++revealed;
            }
        }
    }
}
