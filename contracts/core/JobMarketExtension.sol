// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IJobMarketExtension} from "../interfaces/IJobMarket.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {AttestationLib} from "../libraries/AttestationLib.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId, ModelId} from "../types/Ids.sol";
import {JobMarketBase} from "./JobMarketBase.sol";

/// @title Depinfer job market extension
/// @notice Registry, disputes, balances, governance and views of the job market. It runs
///         only by `delegatecall` from `JobMarket` (behind the proxy), in the proxy's storage.
/// @dev Holds no state of its own, and refuses direct calls so it can never be mistaken for the market.
contract JobMarketExtension is JobMarketBase, IJobMarketExtension {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @dev This contract's own address, to refuse direct calls.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable self = address(this);

    /// @notice Raised when the extension is called directly instead of through the market.
    error JobMarketExtensionDirectCall();

    modifier onlyDelegated() {
        require(address(this) != self, JobMarketExtensionDirectCall());
        _;
    }

    // ================================================================== models and providers

    /// @inheritdoc IJobMarketExtension
    function registerModel(bytes32 weightsHash, bytes32 runtimeDigest, Determinism determinism, string calldata metadataURI)
        external
        onlyDelegated
        returns (ModelId modelId)
    {
        modelId = ModelId.wrap(keccak256(abi.encode(weightsHash, runtimeDigest, determinism)));
        Model storage m = _s().models[modelId];
        require(!m.registered, ModelAlreadyRegistered(modelId));
        m.registered = true;
        m.determinism = determinism;
        m.registrant = msg.sender;
        emit ModelRegistered(modelId, msg.sender, weightsHash, runtimeDigest, determinism, metadataURI);
    }

    /// @inheritdoc IJobMarketExtension
    function registerProvider(address signer, string calldata metadataURI) external onlyDelegated {
        require(signer != address(0), ZeroAddress());
        ProviderInfo storage p = _s().providers[msg.sender];
        require(!p.registered, ProviderAlreadyRegistered(msg.sender));
        p.registered = true;
        p.signer = signer;
        emit ProviderRegistered(msg.sender, signer, metadataURI);
    }

    /// @inheritdoc IJobMarketExtension
    function updateProvider(address signer, string calldata metadataURI) external onlyDelegated {
        require(signer != address(0), ZeroAddress());
        ProviderInfo storage p = _registered(msg.sender);
        if (p.signer != signer) {
            // The previous key is evidence up to and including `evidenceUntil`; rotating before that
            // second has passed would drop it while it still counts.
            uint256 evidenceUntil = p.signerChangedAt == 0 ? 0 : uint256(p.signerChangedAt) + _s().thawingPeriod;
            require(
                p.signerChangedAt == 0 || block.timestamp > evidenceUntil,
                ProviderSignerRotationTooSoon(msg.sender, evidenceUntil)
            );
            p.previousSigner = p.signer;
            p.signerChangedAt = uint40(block.timestamp);
            p.signer = signer;
        }
        emit ProviderUpdated(msg.sender, signer, metadataURI);
    }

    /// @inheritdoc IJobMarketExtension
    function setOffer(ModelId modelId, address token, uint96 price, uint32 maxLatency, bool active)
        external
        onlyDelegated
    {
        JobMarketStorage storage $ = _s();
        _registered(msg.sender);
        require($.models[modelId].registered, ModelNotRegistered(modelId));
        if (active) {
            require($.tokens[token].allowed, PaymentTokenNotAllowed(token));
            require(price != 0, AmountZero());
        }
        $.offers[msg.sender][modelId] = Offer({token: token, price: price, maxLatency: maxLatency, active: active});
        emit OfferSet(msg.sender, modelId, token, price, maxLatency, active);
    }

    /// @inheritdoc IJobMarketExtension
    function setOffersPaused(bool paused_) external onlyDelegated {
        _registered(msg.sender).offersPaused = paused_;
        emit OffersPaused(msg.sender, paused_);
    }

    // ================================================================== disputes

    /// @inheritdoc IJobMarketExtension
    function openDispute(Job calldata job) external onlyDelegated nonReentrant returns (uint256 bond) {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = _inStatus($, jobId, JobStatus.Submitted);
        Params storage snap = $.paramsAt[job.paramsVersion];
        uint256 endsAt = uint256(st.timestamp) + st.challengeWindow;
        require(block.timestamp <= endsAt, JobChallengeWindowClosed(jobId, endsAt, block.timestamp));
        Determinism determinism = $.models[job.model].determinism;
        address verifier = $.verifiers[determinism];
        require(verifier != address(0), DisputeNoVerifier(determinism));
        bond = JobLib.bondFor(job.price, snap.bondRatioBps, $.tokens[job.token].bondFloor);
        uint256 deadline = block.timestamp + snap.disputeResolutionPeriod;
        st.status = JobStatus.Disputed;
        st.timestamp = uint40(block.timestamp);
        $.disputes[jobId] =
            Dispute({challenger: msg.sender, bond: bond.toUint96(), verifier: verifier, deadline: uint40(deadline)});
        _pullExact(job.token, msg.sender, bond);
        emit DisputeOpened(jobId, msg.sender, verifier, bond, deadline);
        IVerifier(verifier).onDisputeOpened(jobId, job, msg.sender, deadline);
    }

    /// @inheritdoc IJobMarketExtension
    function resolveDispute(Job calldata job, Outcome outcome) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = _inStatus($, jobId, JobStatus.Disputed);
        Dispute memory d = $.disputes[jobId];
        require(msg.sender == d.verifier, DisputeNotVerifier(jobId, msg.sender, d.verifier));
        require(block.timestamp <= d.deadline, DisputeResolutionClosed(jobId, d.deadline, block.timestamp));
        delete $.disputes[jobId];
        Params storage snap = $.paramsAt[job.paramsVersion];
        uint256 slashed;
        uint256 reward;
        if (outcome == Outcome.Upheld) {
            (slashed, reward) = _slashForFraud($, jobId, job, st, d.challenger, snap.challengerShareBps);
            _credit($, d.challenger, job.token, d.bond);
        } else {
            if (outcome == Outcome.Rejected) {
                // The bond pays for verification (kept by the treasury); the rest compensates the provider.
                uint256 kept = JobLib.bpsOf(d.bond, snap.disputeFeeBps);
                $.treasuryAccrued[job.token] += kept;
                _credit($, st.provider, job.token, d.bond - kept);
            } else {
                _credit($, d.challenger, job.token, d.bond);
            }
            _settleResultStands($, jobId, job, st);
        }
        emit DisputeResolved(jobId, outcome, slashed, reward);
    }

    /// @inheritdoc IJobMarketExtension
    function cancelDispute(Job calldata job) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = _inStatus($, jobId, JobStatus.Disputed);
        Dispute memory d = $.disputes[jobId];
        require(block.timestamp > d.deadline, DisputeResolutionPending(jobId, d.deadline, block.timestamp));
        delete $.disputes[jobId];
        _credit($, d.challenger, job.token, d.bond);
        _settleResultStands($, jobId, job, st);
        emit DisputeCancelled(jobId, d.challenger, d.bond);
    }

    /// @inheritdoc IJobMarketExtension
    function reportEquivocation(Job calldata job, bytes32 outputA, bytes calldata sigA, bytes32 outputB, bytes calldata sigB)
        external
        onlyDelegated
    {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        require(outputA != outputB, EquivocationSameOutput(jobId, outputA));
        JobState storage st = $.jobs[jobId];
        JobStatus status = st.status;
        require(
            status == JobStatus.Accepted || status == JobStatus.Submitted || status == JobStatus.Disputed
                || status == JobStatus.Finalized,
            JobWrongStatus(jobId, status)
        );
        _checkEvidence($, jobId, job, outputA, st.provider, sigA);
        _checkEvidence($, jobId, job, outputB, st.provider, sigB);
        uint256 slashed = status == JobStatus.Finalized
            ? _slashAfterSettlement($, jobId, job, st)
            : _slashBeforeSettlement($, jobId, job, st, status);
        emit EquivocationProven(jobId, msg.sender, outputA, outputB, slashed);
    }

    /// @dev Equivocation on an open job: an open dispute is closed with its bond returned, then the
    ///      job is slashed as fraud with the reporter as beneficiary.
    function _slashBeforeSettlement(
        JobMarketStorage storage $,
        JobId jobId,
        Job calldata job,
        JobState storage st,
        JobStatus status
    ) private returns (uint256 slashed) {
        address beneficiary = msg.sender;
        if (status == JobStatus.Disputed) {
            // The challenger found the fault first: it keeps the reward, whoever reports the proof.
            Dispute memory d = $.disputes[jobId];
            delete $.disputes[jobId];
            _credit($, d.challenger, job.token, d.bond);
            beneficiary = d.challenger;
            emit DisputeCancelled(jobId, d.challenger, d.bond);
        }
        (slashed,) = _slashForFraud($, jobId, job, st, beneficiary, $.paramsAt[job.paramsVersion].challengerShareBps);
    }

    /// @dev Equivocation on a finalized job, within `POST_SETTLEMENT_REPORT_WINDOW` of settlement: the lock is
    ///      gone, so the collateral is taken from free and thawing stake (see `_slashUnlocked`). The
    ///      client was already served and paid for; the slash goes to the reporter and the treasury.
    function _slashAfterSettlement(JobMarketStorage storage $, JobId jobId, Job calldata job, JobState storage st)
        private
        returns (uint256 slashed)
    {
        Params storage snap = $.paramsAt[job.paramsVersion];
        uint256 lateBy = uint256(st.timestamp) + POST_SETTLEMENT_REPORT_WINDOW;
        require(block.timestamp <= lateBy, EquivocationReportTooLate(jobId, lateBy, block.timestamp));
        address provider_ = st.provider;
        ProviderInfo storage p = $.providers[provider_];
        slashed = _slashUnlocked($, p, provider_, job.collateral);
        st.status = JobStatus.Slashed;
        st.timestamp = uint40(block.timestamp);
        uint256 reward = JobLib.bpsOf(slashed, snap.challengerShareBps);
        address stakeToken_ = $.stakeToken;
        _credit($, msg.sender, stakeToken_, reward);
        $.treasuryAccrued[stakeToken_] += slashed - reward;
        _jail(p, provider_, FRAUD_JAIL);
        emit ProviderSlashed(provider_, jobId, slashed);
    }

    /// @dev After settlement the job's lock is gone: take up to `amount` from free stake, then from
    ///      thaw requests, newest first (the thaw queue is bounded). Collateral locked for other jobs
    ///      is never touched. This is why thawing stake stays slashable.
    function _slashUnlocked(JobMarketStorage storage $, ProviderInfo storage p, address provider_, uint256 amount)
        private
        returns (uint256 slashed)
    {
        uint256 free = p.staked - p.locked;
        uint256 fromFree = amount < free ? amount : free;
        p.staked -= uint96(fromFree);
        slashed = fromFree;
        uint8 head = p.thawHead;
        uint8 i = p.thawTail;
        mapping(uint8 => ThawRequest) storage q = $.thaws[provider_];
        while (slashed < amount && i != head) {
            unchecked {
                --i;
            }
            ThawRequest storage r = q[i];
            uint256 need = amount - slashed;
            uint256 take = r.amount < need ? r.amount : need;
            r.amount -= uint96(take);
            slashed += take;
        }
        p.thawing -= uint96(slashed - fromFree);
    }

    // ================================================================== balances

    /// @inheritdoc IJobMarketExtension
    function deposit(address token, uint256 amount) external onlyDelegated whenNotPaused nonReentrant {
        JobMarketStorage storage $ = _s();
        require($.tokens[token].allowed, PaymentTokenNotAllowed(token));
        require(amount != 0, AmountZero());
        _pullExact(token, msg.sender, amount);
        _credit($, msg.sender, token, amount);
        emit Deposited(msg.sender, token, amount);
    }

    /// @inheritdoc IJobMarketExtension
    function claim(address token, address to) external onlyDelegated nonReentrant returns (uint256 amount) {
        require(to != address(0), ZeroAddress());
        JobMarketStorage storage $ = _s();
        Balance storage b = $.balances[msg.sender][token];
        amount = b.available;
        require(amount != 0, NothingToClaim(msg.sender, token));
        _forwardFees($, b, msg.sender, token);
        b.available = 0;
        IERC20(token).safeTransfer(to, amount);
        emit Claimed(msg.sender, token, to, amount);
    }

    /// @inheritdoc IJobMarketExtension
    function withdraw(address token, uint256 amount, address to) external onlyDelegated nonReentrant {
        require(to != address(0), ZeroAddress());
        require(amount != 0, AmountZero());
        _debit(msg.sender, token, amount);
        JobMarketStorage storage $ = _s();
        _forwardFees($, $.balances[msg.sender][token], msg.sender, token);
        IERC20(token).safeTransfer(to, amount);
        emit Claimed(msg.sender, token, to, amount);
    }

    /// @inheritdoc IJobMarketExtension
    function collectFees(address provider_, address token) external onlyDelegated returns (uint256 amount) {
        JobMarketStorage storage $ = _s();
        Balance storage b = $.balances[provider_][token];
        amount = _forwardFees($, b, provider_, token);
        require(amount != 0, NothingToClaim(provider_, token));
    }

    /// @dev Moves the fees a provider owes into the treasury's accrual.
    function _forwardFees(JobMarketStorage storage $, Balance storage b, address provider_, address token)
        private
        returns (uint256 amount)
    {
        amount = b.feesOwed;
        if (amount == 0) return 0;
        b.feesOwed = 0;
        $.treasuryAccrued[token] += amount;
        emit FeesCollected(provider_, token, amount);
    }

    /// @inheritdoc IJobMarketExtension
    function sweepToTreasury(address token) external onlyDelegated returns (uint256 amount) {
        JobMarketStorage storage $ = _s();
        amount = $.treasuryAccrued[token];
        address treasury_ = $.treasury;
        require(amount != 0, NothingToClaim(treasury_, token));
        $.treasuryAccrued[token] = 0;
        _credit($, treasury_, token, amount);
        emit TreasurySwept(token, treasury_, amount);
    }

    // ================================================================== governance

    /// @inheritdoc IJobMarketExtension
    function setParams(Params calldata newParams) external onlyDelegated restricted {
        _setParams(newParams, _s().thawingPeriod);
    }

    /// @inheritdoc IJobMarketExtension
    function setThawingPeriod(uint32 thawingPeriod_) external onlyDelegated restricted {
        _setThawingPeriod(thawingPeriod_);
    }

    /// @inheritdoc IJobMarketExtension
    function setMinStake(uint96 minStake_) external onlyDelegated restricted {
        _setMinStake(minStake_);
    }

    /// @inheritdoc IJobMarketExtension
    function setTreasury(address treasury_) external onlyDelegated restricted {
        require(treasury_ != address(0), ZeroAddress());
        _s().treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }

    /// @inheritdoc IJobMarketExtension
    function configurePaymentToken(address token, bool allowed, uint96 bondFloor, uint128 stakeRate)
        external
        onlyDelegated
        restricted
    {
        require(token != address(0), ZeroAddress());
        require(!allowed || stakeRate != 0, TokenStakeRateZero(token));
        _within("stakeRate", stakeRate, 0, MAX_STAKE_RATE);
        _s().tokens[token] = TokenConfig({allowed: allowed, bondFloor: bondFloor, stakeRate: stakeRate});
        emit PaymentTokenConfigured(token, allowed, bondFloor, stakeRate);
    }

    /// @inheritdoc IJobMarketExtension
    function setVerifier(Determinism determinism, address verifier) external onlyDelegated restricted {
        _s().verifiers[determinism] = verifier;
        emit VerifierUpdated(determinism, verifier);
    }

    /// @inheritdoc IJobMarketExtension
    function pause() external onlyDelegated restricted {
        _s().config.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IJobMarketExtension
    function unpause() external onlyDelegated restricted {
        _s().config.paused = false;
        emit Unpaused(msg.sender);
    }

    // ================================================================== views

    /// @inheritdoc IJobMarketExtension
    function jobIdOf(Job calldata job) external pure returns (JobId) {
        return JobLib.id(job);
    }

    /// @inheritdoc IJobMarketExtension
    function jobState(JobId jobId) external view returns (JobState memory) {
        return _s().jobs[jobId];
    }

    /// @inheritdoc IJobMarketExtension
    function dispute(JobId jobId) external view returns (Dispute memory) {
        return _s().disputes[jobId];
    }

    /// @inheritdoc IJobMarketExtension
    function params() external view returns (Params memory current, uint32 version) {
        version = _s().config.version;
        current = _s().paramsAt[version];
    }

    /// @inheritdoc IJobMarketExtension
    function paramsAt(uint32 version) external view returns (Params memory) {
        return _s().paramsAt[version];
    }

    /// @inheritdoc IJobMarketExtension
    function settings()
        external
        view
        returns (address stakeToken, address treasury, uint32 thawingPeriod, uint96 minStake, bool paused)
    {
        JobMarketStorage storage $ = _s();
        return ($.stakeToken, $.treasury, $.thawingPeriod, $.minStake, $.config.paused);
    }

    /// @inheritdoc IJobMarketExtension
    function paymentToken(address token) external view returns (TokenConfig memory) {
        return _s().tokens[token];
    }

    /// @inheritdoc IJobMarketExtension
    function verifierOf(Determinism determinism) external view returns (address) {
        return _s().verifiers[determinism];
    }

    /// @inheritdoc IJobMarketExtension
    function model(ModelId modelId) external view returns (Model memory) {
        return _s().models[modelId];
    }

    /// @inheritdoc IJobMarketExtension
    function provider(address account) external view returns (ProviderInfo memory) {
        return _s().providers[account];
    }

    /// @inheritdoc IJobMarketExtension
    function offer(address provider_, ModelId modelId) external view returns (Offer memory) {
        return _s().offers[provider_][modelId];
    }

    /// @inheritdoc IJobMarketExtension
    function thawRequests(address provider_) external view returns (ThawRequest[] memory requests) {
        JobMarketStorage storage $ = _s();
        ProviderInfo storage p = $.providers[provider_];
        uint8 head = p.thawHead;
        uint8 count;
        unchecked {
            count = p.thawTail - head;
        }
        requests = new ThawRequest[](count);
        for (uint8 i; i < count; ++i) {
            unchecked {
                requests[i] = $.thaws[provider_][head + i];
            }
        }
    }

    /// @inheritdoc IJobMarketExtension
    function claimable(address account, address token) external view returns (uint256) {
        return _s().balances[account][token].available;
    }

    /// @inheritdoc IJobMarketExtension
    function feesOwed(address provider_, address token) external view returns (uint256) {
        return _s().balances[provider_][token].feesOwed;
    }

    /// @inheritdoc IJobMarketExtension
    function treasuryAccrued(address token) external view returns (uint256) {
        return _s().treasuryAccrued[token];
    }

    /// @inheritdoc IJobMarketExtension
    function attestationDigest(JobId jobId, ModelId modelId, bytes32 inputHash, bytes32 outputHash, address provider_)
        external
        view
        returns (bytes32)
    {
        return AttestationLib.digest(address(this), jobId, modelId, inputHash, outputHash, provider_);
    }

    /// @inheritdoc IJobMarketExtension
    function domainSeparator() external view returns (bytes32) {
        return AttestationLib.domainSeparator(address(this));
    }

    /// @inheritdoc IJobMarketExtension
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
        )
    {
        return (
            hex"0f", AttestationLib.NAME, AttestationLib.VERSION, block.chainid, address(this), bytes32(0), new uint256[](0)
        );
    }
}
