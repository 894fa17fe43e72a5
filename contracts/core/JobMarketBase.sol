// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IJobMarketErrors, IJobMarketEvents, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {AttestationLib} from "../libraries/AttestationLib.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId, ModelId} from "../types/Ids.sol";

/// @title Shared storage and internals of the Depinfer job market
/// @notice `JobMarket` (the hot path, immutable, no proxy) and `JobMarketExtension` (reached by
///         `delegatecall` from JobMarket's fallback, swappable by governance) both inherit this base, so they read and write
///         the same ERC-7201 namespace. Splitting keeps each under the 24 KiB code-size limit while
///         the job cycle stays in one contract with no extra call.
abstract contract JobMarketBase is
    IJobMarketTypes,
    IJobMarketErrors,
    IJobMarketEvents,
    AccessManagedUpgradeable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------ constants (bounds in code)

    uint256 public constant MIN_CHALLENGE_WINDOW = 1 hours;
    uint256 public constant MAX_CHALLENGE_WINDOW = 72 hours;
    uint256 public constant MIN_RESOLUTION_PERIOD = 1 days;
    uint256 public constant MAX_RESOLUTION_PERIOD = 14 days;
    uint256 public constant MAX_THAWING_PERIOD = 28 days;
    /// @notice thawingPeriod ≥ challengeWindow + disputeResolutionPeriod + THAWING_MARGIN.
    uint256 public constant THAWING_MARGIN = 48 hours;
    uint256 public constant MIN_COLLATERAL_RATIO_BPS = 10_000;
    uint256 public constant MAX_COLLATERAL_RATIO_BPS = 1_000_000;
    uint256 public constant MAX_PROTOCOL_FEE_BPS = 1_000;
    uint256 public constant MAX_CHALLENGER_SHARE_BPS = 5_000;
    uint256 public constant MIN_BOND_RATIO_BPS = 10_000;
    uint256 public constant MAX_BOND_RATIO_BPS = 1_000_000;
    uint256 public constant MAX_DISPUTE_FEE_BPS = 5_000;
    /// @notice Cap on `verificationFeeBps`: with the protocol fee's cap, at most 20 % of a price is fees.
    uint256 public constant MAX_VERIFICATION_FEE_BPS = 1_000;
    uint256 public constant MAX_MIN_STAKE = 1e27;
    /// @notice Cap on a payment token's stake rate: 1e18 stake units per token unit, scaled by 1e18.
    uint256 public constant MAX_STAKE_RATE = 1e36;
    /// @notice How long after settlement an equivocation may still be proven. It is below the
    ///         smallest thawing period the bounds allow (1 h + 1 d + 48 h), so stake unstaked once
    ///         the job settled is still thawing, and slashable, for the whole window, whatever
    ///         governance does to the parameters in between.
    uint256 public constant POST_SETTLEMENT_REPORT_WINDOW = 3 days;
    /// @notice The furthest a job's deadline may lie in the future.
    uint256 public constant MAX_JOB_DURATION = 30 days;
    /// @notice Pending unstake requests per provider (keeps withdrawal and slashing O(1)).
    uint256 public constant MAX_THAW_REQUESTS = 8;
    uint256 public constant MAX_BATCH = 256;
    uint256 public constant FRAUD_JAIL = 30 days;
    uint256 public constant LIVENESS_JAIL = 24 hours;
    uint256 public constant LIVENESS_WINDOW = 24 hours;
    uint256 public constant LIVENESS_MISSES_TO_JAIL = 3;
    /// @notice Challengers per dispute: the opener and up to three who join it.
    uint256 public constant MAX_CHALLENGERS = 4;
    /// @notice Signer-key rotations per provider (the epoch is a `uint8`, plus one in `signerKeyEpoch`).
    uint256 public constant MAX_SIGNER_ROTATIONS = 254;

    // ------------------------------------------------------------------ storage

    /// @dev What the job path reads on every call, in one slot: the pause flag, the minimum stake
    ///      (read by every acceptance), and the current parameters a job snapshots at creation (the
    ///      other parameters are read from `paramsAt[version]` when they are needed).
    struct Config {
        uint32 challengeWindow;
        uint32 collateralRatioBps;
        uint16 protocolFeeBps;
        uint32 version;
        bool paused;
        uint96 minStake;
        uint8 verificationFeeClasses; // bit d: jobs of Determinism(d) pay the verification fee
        uint16 verificationFeeBps; //   the current `Params.verificationFeeBps`, mirrored for `_create`
    }

    /// @custom:storage-location erc7201:depinfer.storage.JobMarket
    struct JobMarketStorage {
        Config config;
        address stakeToken;
        address treasury;
        uint32 thawingPeriod;
        mapping(uint32 version => Params) paramsAt;
        mapping(address token => TokenConfig) tokens;
        mapping(Determinism => address) verifiers;
        mapping(ModelId => Model) models;
        mapping(address provider => ProviderInfo) providers;
        mapping(address provider => mapping(uint8 index => ThawRequest)) thaws;
        mapping(address provider => mapping(ModelId => Offer)) offers;
        mapping(JobId => JobState) jobs;
        mapping(JobId => Dispute) disputes;
        mapping(address account => mapping(address token => Balance)) balances;
        mapping(address token => uint256) treasuryAccrued;
        /// @dev The epoch (plus one) at which a key became the provider's signer; zero if it never was.
        mapping(address provider => mapping(address signer => uint16)) keyEpochs;
        /// @dev Challengers who joined a dispute, by index (index 0 is `Dispute.challenger`).
        mapping(JobId => mapping(uint256 index => address)) joiners;
        mapping(address module => bool) modules;
        mapping(address module => mapping(address provider => ModuleStake)) moduleStakes;
        /// @dev The code `JobMarket`'s fallback delegates to (`setExtension`). Appended: the layout
        ///      above is the deployed one, and new fields only ever go after this one.
        address extension;
        /// @dev The module that takes the verification fee (`setVerificationFeeModule`); zero: none.
        address verificationFeeModule;
    }

    // keccak256(abi.encode(uint256(keccak256("depinfer.storage.JobMarket")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xc0a66faba11951644160216ef094e4a70fe2ee212c7574dee4d538d86fbd9f00;

    function _s() internal pure returns (JobMarketStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    // ------------------------------------------------------------------ one-word access (hot path)

    // The job cycle reads and writes `JobState`, `Config`, `ProviderInfo`'s first slot and `Balance`
    // as whole words: one SLOAD and at most one SSTORE each, where field-by-field access pays a warm
    // read (100 gas) for every field read and a read-modify-write for every field written (about 2,000
    // gas a cycle in all, measured by scripts/bench/gasTrace.ts). Bit offsets follow each struct's
    // declaration order in `IJobMarketTypes`; the unit tests read every field back through the views
    // (`jobState`, `provider`, `params`, `claimable`), so an offset that disagrees with the layout fails them.

    /// @dev `JobState`: status 0, provider 8, timestamp 168, challengeWindow 208, protocolFeeBps 232,
    ///      signerEpoch 248.
    uint256 internal constant STATE_PROVIDER = 8;
    uint256 internal constant STATE_TIMESTAMP = 168;
    uint256 internal constant STATE_WINDOW = 208;
    uint256 internal constant STATE_FEE = 232;
    uint256 internal constant STATE_EPOCH = 248;
    /// @dev In the cached fee field: the job pays the verification fee. The protocol fee is at most
    ///      `MAX_PROTOCOL_FEE_BPS` (1,000 < 2^10), so bit 15 is never part of it.
    uint256 internal constant FEE_VERIFIED = 0x8000;
    uint256 internal constant FEE_BPS_MASK = 0x7fff;
    /// @dev The bits no status change after creation touches: the cached challenge window and fee.
    uint256 internal constant STATE_SNAPSHOT = ((uint256(1) << 40) - 1) << STATE_WINDOW;
    /// @dev The bits a settlement rewrites: the status and the timestamp.
    uint256 internal constant STATE_STATUS_AND_TIME = 0xff | (((uint256(1) << 40) - 1) << STATE_TIMESTAMP);

    /// @dev `Config`: challengeWindow 0, collateralRatioBps 32, protocolFeeBps 64, version 80, paused 112,
    ///      minStake 120, verificationFeeClasses 216, verificationFeeBps 224.
    uint256 internal constant CONFIG_RATIO = 32;
    uint256 internal constant CONFIG_FEE = 64;
    uint256 internal constant CONFIG_VERSION = 80;
    uint256 internal constant CONFIG_PAUSED = 112;
    uint256 internal constant CONFIG_MIN_STAKE = 120;
    uint256 internal constant CONFIG_VFEE_CLASSES = 216;
    uint256 internal constant CONFIG_VFEE = 224;

    /// @dev `ProviderInfo`'s first slot: staked 0, locked 96, jailedUntil 192, signerEpoch 232,
    ///      offersPaused 240, registered 248.
    uint256 internal constant PROVIDER_LOCKED = 96;
    uint256 internal constant PROVIDER_JAILED = 192;
    uint256 internal constant PROVIDER_EPOCH = 232;
    uint256 internal constant PROVIDER_REGISTERED = 248;

    /// @dev The storage slot of `jobs[jobId]` and the `JobState` it holds, as one word.
    function _stateOf(JobId jobId) internal view returns (uint256 slot, uint256 word) {
        mapping(JobId => JobState) storage states = _s().jobs;
        assembly ("memory-safe") {
            mstore(0, jobId)
            mstore(0x20, states.slot)
            slot := keccak256(0, 0x40)
            word := sload(slot)
        }
    }

    /// @dev Writes a job's `JobState` as one word.
    function _storeState(uint256 slot, uint256 word) internal {
        assembly ("memory-safe") {
            sstore(slot, word)
        }
    }

    /// @dev The `Config` slot as one word, after checking the pause flag it holds.
    function _configWhenNotPaused() internal view returns (uint256 word) {
        Config storage c = _s().config;
        assembly ("memory-safe") {
            word := sload(c.slot)
        }
        require(uint8(word >> CONFIG_PAUSED) == 0, EnforcedPause());
    }

    // ------------------------------------------------------------------ modifiers

    modifier whenNotPaused() {
        _requireNotPaused();
        _;
    }

    function _requireNotPaused() internal view {
        require(!_s().config.paused, EnforcedPause());
    }

    // ================================================================== shared settlement

    /// @dev Fraud before settlement: the job's whole collateral is slashed from its lock, the client
    ///      is refunded and the provider jailed. The caller shares the slash out (`_shareSlash`).
    function _slashForFraud(JobMarketStorage storage $, JobId jobId, Job calldata job, JobState storage st)
        internal
        returns (uint256 slashed)
    {
        address provider_ = st.provider;
        ProviderInfo storage p = $.providers[provider_];
        slashed = job.collateral;
        p.locked -= job.collateral;
        p.staked -= job.collateral;
        _credit($, job.client, job.token, job.price);
        st.status = JobStatus.Slashed;
        st.timestamp = uint40(block.timestamp);
        _jail(p, provider_, FRAUD_JAIL);
        emit ProviderSlashed(provider_, jobId, slashed);
    }

    /// @dev Shares out `slashed` stake: `reward` to `beneficiary`, `fee` to `feeTo` (a verifier module's
    ///      arbitration fee), the rest to the treasury. Callers keep `reward + fee ≤ slashed`.
    function _shareSlash(
        JobMarketStorage storage $,
        uint256 slashed,
        address beneficiary,
        uint256 reward,
        address feeTo,
        uint256 fee
    ) internal {
        address stakeToken_ = $.stakeToken;
        _credit($, beneficiary, stakeToken_, reward);
        if (fee != 0) _credit($, feeTo, stakeToken_, fee);
        $.treasuryAccrued[stakeToken_] += slashed - reward - fee;
    }

    /// @dev Dispute rejected, drawn or timed out: the result stands and the job is paid as on finalize.
    function _settleResultStands(JobMarketStorage storage $, JobId jobId, Job calldata job, JobState storage st)
        internal
    {
        address provider_ = st.provider;
        uint256 feeField = st.protocolFeeBps;
        uint256 fee = JobLib.bpsOf(job.price, feeField & FEE_BPS_MASK);
        uint256 vfee = (feeField & FEE_VERIFIED) == 0 ? 0 : _verificationFee($, job.paramsVersion, job.price);
        st.status = JobStatus.Finalized;
        st.timestamp = uint40(block.timestamp);
        _creditEarnings($, provider_, job.token, job.price - fee - vfee, fee, vfee);
        _unlock($, provider_, job.collateral);
        emit JobFinalized(jobId, provider_);
    }

    // ================================================================== parameters

    function _setParams(Params memory n, uint256 thawingPeriod_) internal {
        _within("challengeWindow", n.challengeWindow, MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW);
        _within("disputeResolutionPeriod", n.disputeResolutionPeriod, MIN_RESOLUTION_PERIOD, MAX_RESOLUTION_PERIOD);
        _within("collateralRatioBps", n.collateralRatioBps, MIN_COLLATERAL_RATIO_BPS, MAX_COLLATERAL_RATIO_BPS);
        _within("protocolFeeBps", n.protocolFeeBps, 0, MAX_PROTOCOL_FEE_BPS);
        _within("challengerShareBps", n.challengerShareBps, 0, MAX_CHALLENGER_SHARE_BPS);
        _within("livenessSlashBps", n.livenessSlashBps, 0, n.collateralRatioBps);
        _within("bondRatioBps", n.bondRatioBps, MIN_BOND_RATIO_BPS, MAX_BOND_RATIO_BPS);
        _within("disputeFeeBps", n.disputeFeeBps, 0, MAX_DISPUTE_FEE_BPS);
        _within("verificationFeeBps", n.verificationFeeBps, 0, MAX_VERIFICATION_FEE_BPS);
        uint256 required = uint256(n.challengeWindow) + n.disputeResolutionPeriod + THAWING_MARGIN;
        require(thawingPeriod_ >= required, ThawingPeriodTooShort(thawingPeriod_, required));
        JobMarketStorage storage $ = _s();
        uint32 version = $.config.version + 1;
        $.paramsAt[version] = n;
        Config storage c = $.config;
        c.challengeWindow = n.challengeWindow;
        c.collateralRatioBps = n.collateralRatioBps;
        c.protocolFeeBps = n.protocolFeeBps;
        c.verificationFeeBps = n.verificationFeeBps;
        c.version = version;
        emit ParamsUpdated(version, n);
    }

    function _setThawingPeriod(uint32 thawingPeriod_) internal {
        JobMarketStorage storage $ = _s();
        _within("thawingPeriod", thawingPeriod_, 0, MAX_THAWING_PERIOD);
        Params storage current = $.paramsAt[$.config.version];
        uint256 required = uint256(current.challengeWindow) + current.disputeResolutionPeriod + THAWING_MARGIN;
        require(thawingPeriod_ >= required, ThawingPeriodTooShort(thawingPeriod_, required));
        $.thawingPeriod = thawingPeriod_;
        emit ThawingPeriodUpdated(thawingPeriod_);
    }

    function _setMinStake(uint96 minStake_) internal {
        _within("minStake", minStake_, 0, MAX_MIN_STAKE);
        _s().config.minStake = minStake_;
        emit MinStakeUpdated(minStake_);
    }

    function _within(string memory name, uint256 value, uint256 min, uint256 max) internal pure {
        require(value >= min && value <= max, ParamOutOfBounds(name, value, min, max));
    }

    // ================================================================== internals

    function _registered(address account) internal view returns (ProviderInfo storage p) {
        p = _s().providers[account];
        require(p.registered, ProviderNotRegistered(account));
    }

    function _inStatus(JobMarketStorage storage $, JobId jobId, JobStatus expected)
        internal
        view
        returns (JobState storage st)
    {
        st = $.jobs[jobId];
        JobStatus status = st.status;
        if (status != expected) _revertStatus(jobId, status);
    }

    /// @dev An id with no job behind it usually means the caller passed different terms than the
    ///      ones the job was created with (the id is their hash): say so, rather than "wrong status".
    function _revertStatus(JobId jobId, JobStatus status) internal pure {
        if (status == JobStatus.None) revert JobUnknown(jobId);
        revert JobWrongStatus(jobId, status);
    }

    /// @dev Eligibility of `provider_` for an open job: an active, unpaused offer for the job's model,
    ///      in the job's token, at or below the job's price.
    ///      Its deadline must leave at least the offer's `maxLatency`, so that no provider takes (and
    ///      is slashed for) a job it could not have finished.
    function _checkOffer(JobMarketStorage storage $, JobId jobId, address provider_, Job calldata job) internal view {
        require(!$.providers[provider_].offersPaused, ProviderOffersPaused(provider_));
        Offer memory o = $.offers[provider_][job.model];
        require(o.active, OfferNotActive(provider_, job.model));
        require(o.token == job.token, OfferTokenMismatch(provider_, job.model, o.token, job.token));
        require(o.price <= job.price, OfferPriceAboveJobPrice(provider_, job.model, o.price, job.price));
        uint256 earliest = block.timestamp + o.maxLatency;
        require(job.deadline >= earliest, JobDeadlineBelowLatency(jobId, job.deadline, earliest));
    }

    /// @dev Locks `collateral` of `provider_`'s free stake after checking its standing (registered, not
    ///      jailed, at least the minimum stake of `config`, a `Config` word) and returns its signer epoch.
    ///      The first slot is read and written once.
    function _lockCollateral(JobMarketStorage storage $, uint256 config, address provider_, uint256 collateral)
        internal
        returns (uint256 signerEpoch)
    {
        ProviderInfo storage p = $.providers[provider_];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(p.slot)
        }
        (uint256 staked, uint256 locked) = _standingOf(word, config, provider_);
        require(collateral <= staked - locked, StakeInsufficientFree(provider_, collateral, staked - locked));
        unchecked {
            // locked + collateral ≤ staked < 2^96: the new value fits the field it replaces.
            word += collateral << PROVIDER_LOCKED;
        }
        assembly ("memory-safe") {
            sstore(p.slot, word)
        }
        signerEpoch = uint8(word >> PROVIDER_EPOCH);
    }

    /// @dev Checks that the provider whose first `ProviderInfo` slot is `word` may take jobs (registered,
    ///      not jailed, at least `config`'s `minStake` bonded) and returns its stake and lock.
    function _standingOf(uint256 word, uint256 config, address provider_)
        internal
        view
        returns (uint256 staked, uint256 locked)
    {
        require(uint8(word >> PROVIDER_REGISTERED) != 0, ProviderNotRegistered(provider_));
        uint256 jailedUntil = uint40(word >> PROVIDER_JAILED);
        require(jailedUntil <= block.timestamp, ProviderInJail(provider_, jailedUntil));
        staked = uint96(word);
        uint256 minStake_ = uint96(config >> CONFIG_MIN_STAKE);
        require(staked >= minStake_, ProviderBelowMinStake(provider_, staked, minStake_));
        locked = uint96(word >> PROVIDER_LOCKED);
    }

    /// @dev Reverts unless `signature` is `signer`'s EIP-712 attestation of `outputHash` for the job.
    ///      Returns the signature in EIP-2098 compact form (`r`, `vs`) for `ResultSubmitted`.
    function _checkAttestation(
        JobId jobId,
        Job calldata job,
        bytes32 outputHash,
        address provider_,
        bytes calldata signature,
        address signer
    ) internal view returns (bytes32 r, bytes32 vs) {
        bytes32 digest = AttestationLib.digest(address(this), jobId, job.model, job.inputHash, outputHash, provider_);
        address recovered;
        bool ok;
        (recovered, ok, r, vs) = _recoverCompact(digest, signature);
        require(ok, AttestationInvalidSignature(jobId));
        require(recovered == signer, AttestationWrongSigner(jobId, recovered, signer));
    }

    /// @dev Recovers the signer of a 65-byte signature (`r`, `s`, `v`; OpenZeppelin's `tryRecover`, which
    ///      rejects high-s values, a `v` other than 27 or 28, and any other length) and returns it with the
    ///      signature in EIP-2098 compact form: `vs = s | (v - 27) << 255`. Lossless for every signature
    ///      it accepts (`s < 2^255`); `r` and `vs` are meaningless when `ok` is false.
    function _recoverCompact(bytes32 digest, bytes calldata signature)
        internal
        pure
        returns (address recovered, bool ok, bytes32 r, bytes32 vs)
    {
        if (signature.length != 65) return (address(0), false, 0, 0);
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        ECDSA.RecoverError err;
        (recovered, err,) = ECDSA.tryRecover(digest, v, r, s);
        ok = err == ECDSA.RecoverError.NoError;
        unchecked {
            vs = s | bytes32(uint256(uint8(v - 27)) << 255);
        }
    }

    /// @dev Evidence for equivocation may come from any key that became the provider's signer at or
    ///      after the job's signer epoch (the epoch when it was accepted): the key it was accepted
    ///      under and every later one. A key retired before the job was accepted is never evidence,
    ///      and no rotation or parameter change can make a valid key invalid.
    function _checkEvidence(
        JobMarketStorage storage $,
        JobId jobId,
        Job calldata job,
        bytes32 outputHash,
        JobState storage st,
        bytes calldata signature
    ) internal view {
        address provider_ = st.provider;
        address recovered = _recover(jobId, job, outputHash, provider_, signature);
        uint256 keyEpoch = $.keyEpochs[provider_][recovered];
        require(
            keyEpoch > st.signerEpoch, AttestationWrongSigner(jobId, recovered, $.providers[provider_].signer)
        );
    }

    function _recover(JobId jobId, Job calldata job, bytes32 outputHash, address provider_, bytes calldata signature)
        internal
        view
        returns (address recovered)
    {
        bytes32 digest = AttestationLib.digest(address(this), jobId, job.model, job.inputHash, outputHash, provider_);
        ECDSA.RecoverError err;
        (recovered, err,) = ECDSA.tryRecoverCalldata(digest, signature);
        // tryRecover rejects high-s and malformed signatures and never returns address(0) without an error.
        require(err == ECDSA.RecoverError.NoError, AttestationInvalidSignature(jobId));
    }

    function _recordLivenessMiss(ProviderInfo storage p, address provider_) internal {
        if (block.timestamp > uint256(p.missWindowStart) + LIVENESS_WINDOW) {
            p.missWindowStart = uint40(block.timestamp);
            p.livenessMisses = 1;
        } else {
            p.livenessMisses += 1;
        }
        if (p.livenessMisses >= LIVENESS_MISSES_TO_JAIL) {
            p.livenessMisses = 0;
            _jail(p, provider_, LIVENESS_JAIL);
        }
    }

    /// @dev Pays as much of `provider_`'s slash debt as `free` stake covers, to the treasury.
    function _paySlashDebt(JobMarketStorage storage $, ProviderInfo storage p, address provider_, uint256 free)
        internal
        returns (uint256 paid)
    {
        uint256 debt = p.slashDebt;
        paid = debt < free ? debt : free;
        if (paid == 0) return 0;
        unchecked {
            p.slashDebt = uint96(debt - paid);
            p.staked -= uint96(paid);
        }
        $.treasuryAccrued[$.stakeToken] += paid;
        emit SlashDebtPaid(provider_, paid);
    }

    function _jail(ProviderInfo storage p, address provider_, uint256 duration) internal {
        uint256 until = block.timestamp + duration;
        if (until > p.jailedUntil) {
            p.jailedUntil = uint40(until);
            emit ProviderJailed(provider_, until);
        }
    }

    /// @dev Pulls exactly `amount` of `token` from `from`; a token that delivers less (fee on
    ///      transfer) is rejected so escrow always matches what arrived.
    function _pullExact(address token, address from, uint256 amount) internal {
        IERC20 t = IERC20(token);
        uint256 before = t.balanceOf(address(this));
        t.safeTransferFrom(from, address(this), amount);
        uint256 received = t.balanceOf(address(this)) - before;
        require(received == amount, FeeOnTransferToken(token, amount, received));
    }

    /// @dev Adds `amount` to what `account` may claim in `token`.
    function _credit(JobMarketStorage storage $, address account, address token, uint256 amount) internal {
        $.balances[account][token].available += SafeCast.toUint128(amount);
    }

    /// @dev A job's verification fee: `verificationFeeBps` of its own parameter snapshot, so a later
    ///      `setParams` never changes what a job already created pays.
    function _verificationFee(JobMarketStorage storage $, uint32 paramsVersion, uint256 price)
        internal
        view
        returns (uint256)
    {
        return JobLib.bpsOf(price, $.paramsAt[paramsVersion].verificationFeeBps);
    }

    /// @dev Credits a provider's `payout`, the protocol `fee` and the verification fee `vfee` on it: one
    ///      read and one write of the `Balance` slot (`available` in bits 0-127, `feesOwed` 128-191,
    ///      `verificationFeesOwed` 192-255). A fee that would overflow its 64-bit field (only a token with
    ///      many decimals and fees left uncollected for long) goes straight to its destination instead.
    function _creditEarnings(
        JobMarketStorage storage $,
        address provider_,
        address token,
        uint256 payout,
        uint256 fee,
        uint256 vfee
    ) internal {
        Balance storage b = $.balances[provider_][token];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(b.slot)
        }
        uint256 available;
        uint256 owed;
        uint256 vowed;
        // Each operand is below 2^128: no sum overflows 256 bits; each field's bound is checked below.
        unchecked {
            available = uint128(word) + payout;
            owed = uint64(word >> 128) + fee;
            vowed = (word >> 192) + vfee;
        }
        require(available <= type(uint128).max, SafeCast.SafeCastOverflowedUintDowncast(128, available));
        if (owed > type(uint64).max) {
            owed = uint64(word >> 128);
            $.treasuryAccrued[token] += fee;
        }
        if (vowed > type(uint64).max) {
            vowed = word >> 192;
            _payVerificationFees($, provider_, token, vfee);
        }
        assembly ("memory-safe") {
            sstore(b.slot, or(or(available, shl(128, owed)), shl(192, vowed)))
        }
    }

    /// @dev Moves the verification fees a provider owes to the fee module (`_payVerificationFees`).
    function _forwardVerificationFees(JobMarketStorage storage $, Balance storage b, address provider_, address token)
        internal
        returns (uint256 amount)
    {
        amount = b.verificationFeesOwed;
        if (amount == 0) return 0;
        b.verificationFeesOwed = 0;
        _payVerificationFees($, provider_, token, amount);
    }

    /// @dev Credits `amount` of verification fees owed by `provider_` to the verification-fee module's
    ///      claimable balance (its fund counts it), or to the treasury's accrual when none is set.
    function _payVerificationFees(JobMarketStorage storage $, address provider_, address token, uint256 amount)
        internal
    {
        address module = $.verificationFeeModule;
        if (module == address(0)) $.treasuryAccrued[token] += amount;
        else _credit($, module, token, amount);
        emit VerificationFeesCollected(provider_, token, module, amount);
    }

    /// @dev Releases `collateral` of `provider_`'s lock: one read and one write of its first slot.
    function _unlock(JobMarketStorage storage $, address provider_, uint256 collateral) internal {
        ProviderInfo storage p = $.providers[provider_];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(p.slot)
        }
        // Checked, as `p.locked -= collateral` was: no path releases more than it locked.
        uint256 locked = uint96(word >> PROVIDER_LOCKED) - collateral;
        word = (word & ~(uint256(type(uint96).max) << PROVIDER_LOCKED)) | (locked << PROVIDER_LOCKED);
        assembly ("memory-safe") {
            sstore(p.slot, word)
        }
    }

    /// @dev What a session module reads to open a session: four slots of the market's own storage.
    function _sessionQuote(JobMarketStorage storage $, address module, address provider_, ModelId modelId, address token)
        internal
        view
        returns (SessionQuote memory q)
    {
        Config memory c = $.config;
        TokenConfig memory tc = $.tokens[token];
        q.moduleActive = $.modules[module];
        q.tokenAllowed = tc.allowed;
        q.stakeRate = tc.stakeRate;
        q.signerEpoch = $.providers[provider_].signerEpoch;
        q.protocolFeeBps = c.protocolFeeBps;
        q.collateralRatioBps = c.collateralRatioBps;
        q.challengeWindow = c.challengeWindow;
        q.offer = $.offers[provider_][modelId];
    }

    function _debit(address account, address token, uint256 amount) internal {
        Balance storage b = _s().balances[account][token];
        uint256 available = b.available;
        require(amount <= available, ClaimExceedsBalance(account, token, amount, available));
        unchecked {
            b.available = uint128(available - amount);
        }
    }
}
