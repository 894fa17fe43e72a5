// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IJobMarketDisputes, ISessionFundingReceiver} from "../interfaces/IJobMarket.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId, ModelId} from "../types/Ids.sol";
import {JobMarketBase} from "./JobMarketBase.sol";

/// @title Depinfer job market: disputes, equivocation, slash debt and the module boundary
/// @notice Runs only by `delegatecall` (JobMarket's fallback → JobMarketExtension's fallback → here),
///         in the market proxy's storage. This is where the core hands bounded authority to modules:
///         a verifier module only chooses an outcome (and a winning challenger) for the disputes routed
///         to it, before their deadline; every amount is computed here. A module that locks stake (a
///         payment-session module, say) moves only what a provider allowed it, and only what it locked.
/// @dev Holds no state of its own, and refuses direct calls.
contract JobMarketDisputes is JobMarketBase, IJobMarketDisputes {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    /// @dev This contract's own address, to refuse direct calls.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable self = address(this);

    /// @notice Raised when this contract is called directly instead of through the market.
    error JobMarketDisputesDirectCall();

    modifier onlyDelegated() {
        require(address(this) != self, JobMarketDisputesDirectCall());
        _;
    }

    // ================================================================== disputes

    /// @inheritdoc IJobMarketDisputes
    function openDispute(Job calldata job, string calldata evidence)
        external
        onlyDelegated
        nonReentrant
        returns (uint256 bond)
    {
        JobId jobId = JobLib.id(job);
        address verifier;
        uint256 deadline;
        (bond, verifier, deadline) = _open(_s(), jobId, job);
        _pullExact(job.token, msg.sender, bond);
        emit DisputeOpened(jobId, msg.sender, verifier, bond, deadline, evidence);
        IVerifier(verifier).onDisputeOpened(jobId, job, msg.sender, deadline);
    }

    /// @dev Checks that the caller may dispute the job now, routes it to its class's verifier module
    ///      and records the dispute.
    function _open(JobMarketStorage storage $, JobId jobId, Job calldata job)
        private
        returns (uint256 bond, address verifier, uint256 deadline)
    {
        JobState storage st = _inStatus($, jobId, JobStatus.Submitted);
        uint256 endsAt = uint256(st.timestamp) + st.challengeWindow;
        require(block.timestamp <= endsAt, JobChallengeWindowClosed(jobId, endsAt, block.timestamp));
        _requireNotProvider($, jobId, st.provider);
        // An unregistered model has no class, so no verifier knows what it should have computed.
        Model storage m = $.models[job.model];
        require(m.registered, ModelNotRegistered(job.model));
        verifier = $.verifiers[m.determinism];
        require(verifier != address(0), DisputeNoVerifier(m.determinism));
        require($.modules[verifier], ModuleNotActive(verifier));
        Params storage snap = $.paramsAt[job.paramsVersion];
        bond = JobLib.bondFor(job.price, snap.bondRatioBps, $.tokens[job.token].bondFloor);
        deadline = block.timestamp + snap.disputeResolutionPeriod;
        st.status = JobStatus.Disputed;
        st.timestamp = uint40(block.timestamp);
        $.disputes[jobId] = Dispute({
            challenger: msg.sender,
            bond: bond.toUint96(),
            verifier: verifier,
            deadline: uint40(deadline),
            challengers: 1
        });
    }

    /// @inheritdoc IJobMarketDisputes
    function joinDispute(Job calldata job, string calldata evidence)
        external
        onlyDelegated
        nonReentrant
        returns (uint256 bond)
    {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = _inStatus($, jobId, JobStatus.Disputed);
        Dispute storage d = $.disputes[jobId];
        require(block.timestamp <= d.deadline, DisputeResolutionClosed(jobId, d.deadline, block.timestamp));
        _requireNotProvider($, jobId, st.provider);
        uint256 n = d.challengers;
        require(n < MAX_CHALLENGERS, DisputeFull(jobId, MAX_CHALLENGERS));
        for (uint256 i; i < n; ++i) {
            require(_challenger($, jobId, d, i) != msg.sender, DisputeAlreadyJoined(jobId, msg.sender));
        }
        $.joiners[jobId][n] = msg.sender;
        d.challengers = uint8(n + 1);
        bond = d.bond;
        _pullExact(job.token, msg.sender, bond);
        emit DisputeJoined(jobId, msg.sender, n, bond, evidence);
    }

    /// @inheritdoc IJobMarketDisputes
    function resolveDispute(Job calldata job, Outcome outcome, uint256 winner) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = _inStatus($, jobId, JobStatus.Disputed);
        Dispute storage d = $.disputes[jobId];
        address verifier = d.verifier;
        require(msg.sender == verifier, DisputeNotVerifier(jobId, msg.sender, verifier));
        require($.modules[verifier], ModuleNotActive(verifier));
        require(block.timestamp <= d.deadline, DisputeResolutionClosed(jobId, d.deadline, block.timestamp));
        if (outcome == Outcome.Upheld) _settleUpheld($, jobId, job, st, d, winner);
        else _settleChallengeFailed($, jobId, job, st, d, outcome);
        _clearDispute($, jobId, d.challengers);
    }

    /// @dev The provider lost: its slash pays the winner and the arbitration; every bond comes back.
    function _settleUpheld(
        JobMarketStorage storage $,
        JobId jobId,
        Job calldata job,
        JobState storage st,
        Dispute storage d,
        uint256 winner
    ) private {
        uint256 n = d.challengers;
        require(winner < n, DisputeUnknownChallenger(jobId, winner, n));
        address winner_ = _challenger($, jobId, d, winner);
        Params storage snap = $.paramsAt[job.paramsVersion];
        uint256 slashed = _slashForFraud($, jobId, job, st);
        // The arbitration costs the loser what it would have cost the challengers (a fee on each bond),
        // in stake at the job's own rate, so the module earns the same value whichever way it rules.
        uint256 fee = JobLib.bpsOf(d.bond, snap.disputeFeeBps) * n * job.collateral * JobLib.BPS
            / (uint256(job.price) * snap.collateralRatioBps);
        uint256 reward = JobLib.bpsOf(slashed, snap.challengerShareBps);
        if (fee > slashed - reward) fee = slashed - reward;
        _shareSlash($, slashed, winner_, reward, d.verifier, fee);
        _returnBonds($, jobId, job.token, d, n, d.bond);
        emit DisputeResolved(jobId, Outcome.Upheld, winner_, slashed, reward, fee);
    }

    /// @dev The challengers lost: each bond pays the arbitration; the rest compensates the provider
    ///      (Rejected) or goes back (Draw). The result stands and is paid.
    function _settleChallengeFailed(
        JobMarketStorage storage $,
        JobId jobId,
        Job calldata job,
        JobState storage st,
        Dispute storage d,
        Outcome outcome
    ) private {
        uint256 n = d.challengers;
        uint256 bond = d.bond;
        uint256 feeEach = JobLib.bpsOf(bond, $.paramsAt[job.paramsVersion].disputeFeeBps);
        uint256 fee = feeEach * n;
        if (fee != 0) _credit($, d.verifier, job.token, fee);
        if (outcome == Outcome.Rejected) _credit($, st.provider, job.token, (bond - feeEach) * n);
        else _returnBonds($, jobId, job.token, d, n, bond - feeEach);
        _settleResultStands($, jobId, job, st);
        emit DisputeResolved(jobId, outcome, address(0), 0, 0, fee);
    }

    /// @inheritdoc IJobMarketDisputes
    function cancelDispute(Job calldata job) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = _inStatus($, jobId, JobStatus.Disputed);
        Dispute storage d = $.disputes[jobId];
        require(block.timestamp > d.deadline, DisputeResolutionPending(jobId, d.deadline, block.timestamp));
        uint256 n = d.challengers;
        uint256 bond = d.bond;
        _returnBonds($, jobId, job.token, d, n, bond);
        _clearDispute($, jobId, n);
        // Nothing was proven either way: no slash, no payment; the client gets its escrow back.
        $.providers[st.provider].locked -= job.collateral;
        st.status = JobStatus.Cancelled;
        st.timestamp = uint40(block.timestamp);
        _credit($, job.client, job.token, job.price);
        emit DisputeCancelled(jobId, bond * n);
        emit JobCancelled(jobId, job.client, job.price);
    }

    /// @dev The provider and its signer key may not challenge its jobs. Retired keys are not refused:
    ///      a provider can name any address as its key, and refusing every address it ever named would
    ///      let it shut chosen watchdogs out; a retired key disputing is no worse than any sybil, which
    ///      `joinDispute` answers.
    function _requireNotProvider(JobMarketStorage storage $, JobId jobId, address provider_) private view {
        require(
            msg.sender != provider_ && msg.sender != $.providers[provider_].signer, DisputeByProvider(jobId, msg.sender)
        );
    }

    function _challenger(JobMarketStorage storage $, JobId jobId, Dispute storage d, uint256 index)
        private
        view
        returns (address)
    {
        return index == 0 ? d.challenger : $.joiners[jobId][index];
    }

    /// @dev Credits `amount` of `token` to each of the dispute's `n` challengers.
    function _returnBonds(
        JobMarketStorage storage $,
        JobId jobId,
        address token,
        Dispute storage d,
        uint256 n,
        uint256 amount
    ) private {
        if (amount == 0) return;
        for (uint256 i; i < n; ++i) {
            _credit($, _challenger($, jobId, d, i), token, amount);
        }
    }

    function _clearDispute(JobMarketStorage storage $, JobId jobId, uint256 n) private {
        delete $.disputes[jobId];
        for (uint256 i = 1; i < n; ++i) {
            delete $.joiners[jobId][i];
        }
    }

    // ================================================================== equivocation

    /// @inheritdoc IJobMarketDisputes
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
        _checkEvidence($, jobId, job, outputA, st, sigA);
        _checkEvidence($, jobId, job, outputB, st, sigB);
        uint256 slashed = status == JobStatus.Finalized
            ? _slashAfterSettlement($, jobId, job, st)
            : _slashBeforeSettlement($, jobId, job, st, status);
        emit EquivocationProven(jobId, msg.sender, outputA, outputB, slashed);
    }

    /// @dev Equivocation on an open job: an open dispute is closed with every bond returned, then the
    ///      job is slashed as fraud with the reporter (or the dispute's first challenger) as beneficiary.
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
            Dispute storage d = $.disputes[jobId];
            uint256 n = d.challengers;
            uint256 bond = d.bond;
            beneficiary = d.challenger;
            _returnBonds($, jobId, job.token, d, n, bond);
            _clearDispute($, jobId, n);
            emit DisputeCancelled(jobId, bond * n);
        }
        slashed = _slashForFraud($, jobId, job, st);
        uint256 reward = JobLib.bpsOf(slashed, $.paramsAt[job.paramsVersion].challengerShareBps);
        _shareSlash($, slashed, beneficiary, reward, address(0), 0);
    }

    /// @dev Equivocation on a finalized job, within `POST_SETTLEMENT_REPORT_WINDOW` of settlement: the lock is
    ///      gone, so the collateral is taken from free and thawing stake (see `_slashUnlocked`), and what
    ///      they cannot cover becomes slash debt. The client was already served and paid for; what is
    ///      slashed now goes to the reporter and the treasury, the debt to the treasury when paid.
    function _slashAfterSettlement(JobMarketStorage storage $, JobId jobId, Job calldata job, JobState storage st)
        private
        returns (uint256 slashed)
    {
        uint256 lateBy = uint256(st.timestamp) + POST_SETTLEMENT_REPORT_WINDOW;
        require(block.timestamp <= lateBy, EquivocationReportTooLate(jobId, lateBy, block.timestamp));
        address provider_ = st.provider;
        ProviderInfo storage p = $.providers[provider_];
        slashed = _slashUnlocked($, p, provider_, job.collateral);
        uint256 debt = job.collateral - slashed;
        if (debt != 0) {
            // Stake locked in other jobs (possibly self-jobs made to dodge this) is not taken from
            // under them; it is owed, and paid before any of it can be unstaked.
            p.slashDebt += uint96(debt);
            emit SlashDebtRecorded(provider_, jobId, debt);
        }
        st.status = JobStatus.Slashed;
        st.timestamp = uint40(block.timestamp);
        uint256 reward = JobLib.bpsOf(slashed, $.paramsAt[job.paramsVersion].challengerShareBps);
        _shareSlash($, slashed, msg.sender, reward, address(0), 0);
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

    /// @inheritdoc IJobMarketDisputes
    function collectSlashDebt(address provider_) external onlyDelegated returns (uint256 paid) {
        JobMarketStorage storage $ = _s();
        ProviderInfo storage p = $.providers[provider_];
        paid = _paySlashDebt($, p, provider_, p.staked - p.locked);
        require(paid != 0, AmountZero());
    }

    // ================================================================== module stake

    /// @inheritdoc IJobMarketDisputes
    function setModuleAllowance(address module, uint96 allowance) external onlyDelegated {
        _registered(msg.sender);
        _s().moduleStakes[module][msg.sender].allowance = allowance;
        emit ModuleAllowanceSet(msg.sender, module, allowance);
    }

    /// @inheritdoc IJobMarketDisputes
    function moduleLock(address provider_, uint256 amount) external onlyDelegated whenNotPaused {
        require(amount != 0, AmountZero());
        JobMarketStorage storage $ = _s();
        require($.modules[msg.sender], ModuleNotActive(msg.sender));
        ModuleStake storage ms = $.moduleStakes[msg.sender][provider_];
        uint256 locked = uint256(ms.locked) + amount;
        require(locked <= ms.allowance, ModuleAllowanceExceeded(msg.sender, provider_, locked, ms.allowance));
        // Slash debt is owed before new stake is put at risk for anyone else.
        ProviderInfo storage p = $.providers[provider_];
        if (p.slashDebt != 0) _paySlashDebt($, p, provider_, p.staked - p.locked);
        _lockCollateral($, _configWhenNotPaused(), provider_, amount); // ≤ allowance < 2^96
        ms.locked = uint96(locked);
        emit ModuleStakeLocked(msg.sender, provider_, amount);
    }

    /// @inheritdoc IJobMarketDisputes
    function moduleRelease(address provider_, uint256 amount) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        _unlockForModule($, msg.sender, provider_, amount);
        emit ModuleStakeReleased(msg.sender, provider_, amount);
    }

    /// @inheritdoc IJobMarketDisputes
    function moduleSlash(address provider_, uint256 amount, address beneficiary, uint256 rewardBps)
        external
        onlyDelegated
        returns (uint256 reward)
    {
        require(beneficiary != address(0), ZeroAddress());
        _within("rewardBps", rewardBps, 0, MAX_CHALLENGER_SHARE_BPS);
        JobMarketStorage storage $ = _s();
        require($.modules[msg.sender], ModuleNotActive(msg.sender));
        _unlockForModule($, msg.sender, provider_, amount);
        // A slash uses up allowance: what a provider allowed a module is the most it can ever lose
        // to it, not the most it can lose per lock. The provider may have lowered the allowance
        // below what is locked since; what is locked stays slashable, and the allowance ends at zero.
        ModuleStake storage ms = $.moduleStakes[msg.sender][provider_];
        uint96 allowance = ms.allowance;
        ms.allowance = amount < allowance ? allowance - uint96(amount) : 0;
        $.providers[provider_].staked -= uint96(amount);
        reward = JobLib.bpsOf(amount, rewardBps);
        _shareSlash($, amount, beneficiary, reward, address(0), 0);
        emit ModuleStakeSlashed(msg.sender, provider_, amount, beneficiary, reward);
    }

    /// @inheritdoc IJobMarketDisputes
    function openSessionFromBalance(
        address module,
        address provider_,
        ModelId modelId,
        address token,
        uint96 amount,
        bytes calldata data
    ) external onlyDelegated nonReentrant returns (bytes32 sessionId) {
        require(amount != 0, AmountZero());
        _requireNotPaused();
        JobMarketStorage storage $ = _s();
        SessionQuote memory q = _sessionQuote($, module, provider_, modelId, token);
        require(q.moduleActive, ModuleNotActive(module));
        // Only the caller's own balance: its call is its consent, and nothing else moves a balance to a module.
        _debit(msg.sender, token, amount);
        IERC20(token).safeTransfer(module, amount);
        emit SessionFundedFromBalance(msg.sender, module, token, amount);
        (bool ok, bytes memory ret) = module.call(
            abi.encodeCall(ISessionFundingReceiver.onSessionFunded, (msg.sender, provider_, modelId, token, amount, q, data))
        );
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        // A module that is not a session module (a verifier, say) fails here rather than keeping the funds.
        bytes32 magic;
        if (ret.length == 64) (magic, sessionId) = abi.decode(ret, (bytes32, bytes32));
        require(magic == bytes32(ISessionFundingReceiver.onSessionFunded.selector), ModuleNotSessionReceiver(module));
    }

    /// @inheritdoc IJobMarketDisputes
    function releaseRetiredModuleLock(address module, address provider_) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        require(!$.modules[module], ModuleStillActive(module));
        uint256 amount = $.moduleStakes[module][provider_].locked;
        _unlockForModule($, module, provider_, amount);
        emit ModuleStakeReleased(module, provider_, amount);
    }

    /// @dev Takes `amount` off what `module` locked of `provider_`'s stake, and off the provider's lock.
    function _unlockForModule(JobMarketStorage storage $, address module, address provider_, uint256 amount) private {
        require(amount != 0, AmountZero());
        ModuleStake storage ms = $.moduleStakes[module][provider_];
        uint256 locked = ms.locked;
        require(amount <= locked, ModuleLockExceeded(module, provider_, amount, locked));
        unchecked {
            ms.locked = uint96(locked - amount);
        }
        $.providers[provider_].locked -= uint96(amount);
    }

    // ================================================================== modules and the verification fee

    /// @inheritdoc IJobMarketDisputes
    function setVerifier(Determinism determinism, address verifier) external onlyDelegated restricted {
        JobMarketStorage storage $ = _s();
        require(verifier == address(0) || $.modules[verifier], ModuleNotActive(verifier));
        $.verifiers[determinism] = verifier;
        emit VerifierUpdated(determinism, verifier);
        address feeModule = $.verificationFeeModule;
        if (feeModule != address(0)) _setVerificationFeeModule($, feeModule);
    }

    /// @inheritdoc IJobMarketDisputes
    function setModule(address module, bool active) external onlyDelegated restricted {
        require(module != address(0), ZeroAddress());
        JobMarketStorage storage $ = _s();
        $.modules[module] = active;
        emit ModuleSet(module, active);
        if (!active && $.verificationFeeModule == module) _setVerificationFeeModule($, address(0));
    }

    /// @inheritdoc IJobMarketDisputes
    function setVerificationFeeModule(address module) external onlyDelegated restricted {
        JobMarketStorage storage $ = _s();
        require(module == address(0) || $.modules[module], ModuleNotActive(module));
        _setVerificationFeeModule($, module);
    }

    /// @dev Stores the fee module and the classes routed to it (none for the zero address).
    function _setVerificationFeeModule(JobMarketStorage storage $, address module) private {
        uint8 mask;
        if (module != address(0)) {
            for (uint8 d; d <= uint8(Determinism.NONE); ++d) {
                if ($.verifiers[Determinism(d)] == module) mask |= uint8(1 << d);
            }
        }
        $.verificationFeeModule = module;
        $.config.verificationFeeClasses = mask;
        emit VerificationFeeModuleSet(module, mask);
    }

    /// @inheritdoc IJobMarketDisputes
    function collectVerificationFees(address provider_, address token) external onlyDelegated returns (uint256 amount) {
        JobMarketStorage storage $ = _s();
        amount = _forwardVerificationFees($, $.balances[provider_][token], provider_, token);
        require(amount != 0, NothingToClaim(provider_, token));
    }

    /// @inheritdoc IJobMarketDisputes
    function paysVerificationFee(JobId jobId) external view returns (bool) {
        return (_s().jobs[jobId].protocolFeeBps & FEE_VERIFIED) != 0;
    }

    /// @inheritdoc IJobMarketDisputes
    function verificationFeesOwed(address provider_, address token) external view returns (uint256) {
        return _s().balances[provider_][token].verificationFeesOwed;
    }

    /// @inheritdoc IJobMarketDisputes
    function verificationFeeModule() external view returns (address module, uint8 classMask) {
        JobMarketStorage storage $ = _s();
        return ($.verificationFeeModule, $.config.verificationFeeClasses);
    }
}
