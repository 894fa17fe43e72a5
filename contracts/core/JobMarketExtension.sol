// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IJobMarketExtension} from "../interfaces/IJobMarket.sol";
import {AttestationLib} from "../libraries/AttestationLib.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId, ModelId} from "../types/Ids.sol";
import {JobMarketBase} from "./JobMarketBase.sol";

/// @title Depinfer job market extension
/// @notice Registry, balances, governance and views of the job market. It runs only by
///         `delegatecall` from `JobMarket` (behind the proxy), in the proxy's storage, and forwards
///         what it does not serve (disputes, equivocation, the module boundary) to `JobMarketDisputes`
///         the same way.
/// @dev Holds no state of its own, and refuses direct calls so it can never be mistaken for the market.
contract JobMarketExtension is JobMarketBase, IJobMarketExtension {
    using SafeERC20 for IERC20;

    /// @dev This contract's own address, to refuse direct calls.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable self = address(this);

    /// @notice The code that serves disputes, equivocation and the module boundary.
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address public immutable disputes;

    constructor(address disputes_) {
        require(disputes_ != address(0), ZeroAddress());
        disputes = disputes_;
    }

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
        JobMarketStorage storage $ = _s();
        ProviderInfo storage p = $.providers[msg.sender];
        require(!p.registered, ProviderAlreadyRegistered(msg.sender));
        p.registered = true;
        p.signer = signer;
        $.keyEpochs[msg.sender][signer] = 1; // epoch 0
        emit ProviderRegistered(msg.sender, signer, metadataURI);
    }

    /// @inheritdoc IJobMarketExtension
    function updateProvider(address signer, string calldata metadataURI) external onlyDelegated {
        require(signer != address(0), ZeroAddress());
        ProviderInfo storage p = _registered(msg.sender);
        if (p.signer != signer) {
            // A key's epoch says which jobs it is evidence for; reusing a key would move its epoch.
            mapping(address => uint16) storage epochs = _s().keyEpochs[msg.sender];
            require(epochs[signer] == 0, ProviderSignerReused(msg.sender, signer));
            uint256 epoch = uint256(p.signerEpoch) + 1;
            require(epoch <= MAX_SIGNER_ROTATIONS, ProviderSignerRotationsExhausted(msg.sender, MAX_SIGNER_ROTATIONS));
            p.signerEpoch = uint8(epoch);
            epochs[signer] = uint16(epoch + 1);
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

    // ================================================================== jobs that end without a result

    // Served here rather than by `JobMarket`, whose code is at its size limit: neither is on the job
    // cycle, and the extra `delegatecall` hop costs about 2,700 gas a call.

    /// @inheritdoc IJobMarketExtension
    function expireJob(Job calldata job) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = $.jobs[jobId];
        JobStatus status = st.status;
        uint256 slashed;
        if (status == JobStatus.Created) {
            require(block.timestamp > job.deadline, JobDeadlineNotReached(jobId, job.deadline, block.timestamp));
        } else if (status == JobStatus.Accepted) {
            // No early exit, jailed or not: a jail (which the provider may have brought on itself)
            // never waives the slash, and the provider may still deliver until the deadline.
            require(block.timestamp > job.deadline, JobDeadlineNotReached(jobId, job.deadline, block.timestamp));
            address provider_ = st.provider;
            ProviderInfo storage p = $.providers[provider_];
            Params storage snap = $.paramsAt[job.paramsVersion];
            slashed = JobLib.livenessSlash(job.collateral, snap.livenessSlashBps, snap.collateralRatioBps);
            p.staked -= uint96(slashed);
            _unlock($, provider_, job.collateral);
            _recordLivenessMiss(p, provider_);
            // The client gets the challenger's share of the slash, the treasury the rest: a miss the
            // client induced, or a provider's miss on its own job, never pays its author in full.
            _shareSlash($, slashed, job.client, JobLib.bpsOf(slashed, snap.challengerShareBps), address(0), 0);
            emit ProviderSlashed(provider_, jobId, slashed);
        } else {
            _revertStatus(jobId, status);
        }
        st.status = JobStatus.Expired;
        st.timestamp = uint40(block.timestamp);
        _credit($, job.client, job.token, job.price);
        emit JobExpired(jobId, job.client, job.price, slashed);
    }

    /// @inheritdoc IJobMarketExtension
    function cancelJob(Job calldata job) external onlyDelegated {
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        JobState storage st = _inStatus($, jobId, JobStatus.Created);
        require(msg.sender == job.client, JobNotClient(jobId, msg.sender, job.client));
        st.status = JobStatus.Cancelled;
        st.timestamp = uint40(block.timestamp);
        _credit($, job.client, job.token, job.price);
        emit JobCancelled(jobId, job.client, job.price);
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

    // ================================================================== payment sessions

    /// @inheritdoc IJobMarketExtension
    function sessionQuote(address module, address provider_, ModelId modelId, address token)
        external
        view
        returns (SessionQuote memory)
    {
        return _sessionQuote(_s(), module, provider_, modelId, token);
    }

    /// @inheritdoc IJobMarketExtension
    function collectFees(address provider_, address token) external onlyDelegated returns (uint256 amount) {
        JobMarketStorage storage $ = _s();
        Balance storage b = $.balances[provider_][token];
        amount = _forwardFees($, b, provider_, token);
        require(amount != 0, NothingToClaim(provider_, token));
    }

    /// @dev Moves the fees a provider owes into the treasury's accrual (protocol fees) and to the
    ///      verification-fee module (verification fees). Returns the protocol fees moved.
    function _forwardFees(JobMarketStorage storage $, Balance storage b, address provider_, address token)
        private
        returns (uint256 amount)
    {
        _forwardVerificationFees($, b, provider_, token);
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
    function jobState(JobId jobId) external view returns (JobState memory st) {
        st = _s().jobs[jobId];
        st.protocolFeeBps &= uint16(FEE_BPS_MASK);
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
        return ($.stakeToken, $.treasury, $.thawingPeriod, $.config.minStake, $.config.paused);
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
    function isModule(address module) external view returns (bool) {
        return _s().modules[module];
    }

    /// @inheritdoc IJobMarketExtension
    function moduleStake(address module, address provider_) external view returns (ModuleStake memory) {
        return _s().moduleStakes[module][provider_];
    }

    /// @inheritdoc IJobMarketExtension
    function signerKeyEpoch(address provider_, address signer) external view returns (uint256) {
        return _s().keyEpochs[provider_][signer];
    }

    /// @inheritdoc IJobMarketExtension
    function disputeChallengers(JobId jobId) external view returns (address[] memory challengers) {
        JobMarketStorage storage $ = _s();
        Dispute storage d = $.disputes[jobId];
        uint256 n = d.challengers;
        challengers = new address[](n);
        if (n == 0) return challengers;
        challengers[0] = d.challenger;
        for (uint256 i = 1; i < n; ++i) {
            challengers[i] = $.joiners[jobId][i];
        }
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

    /// @notice Forwards every other selector to `JobMarketDisputes`, still in the market's storage.
    /// @dev Assembly because Solidity cannot forward raw calldata and return data unchanged.
    fallback() external onlyDelegated {
        address target = disputes;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
