// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IJobMarket, IJobMarketErrors, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IPaymentSessionsCore} from "../interfaces/IPaymentSessions.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {ModelId} from "../types/Ids.sol";
import {PaymentSessionsBase} from "./PaymentSessionsBase.sol";

/// @title Payment sessions: per-request billing with signed vouchers, a stake module of the job market
/// @notice Custody: this contract holds the sessions' payment tokens (escrow, pending settlements, bonds,
///         claimable balances, fees); the market holds the providers' stake and locks, releases and slashes it
///         only as far as the provider's allowance for this module goes (`setModuleAllowance`). Governance
///         registers it with `setModule(this, true)` and retires it the same way; retired, it can no longer
///         settle nor slash, and anyone releases what it still locks in the market. A session's terms are not
///         stored: every call passes them back and the contract hashes them into the id (one slot of state per
///         session). The dispute functions run in `disputes()` by delegatecall (`IPaymentSessionsDisputes`); the
///         full ABI at this address is `IPaymentSessions`. State machine, money flows and attacks:
///         docs/protocol.md, "Payment sessions".
contract PaymentSessions is PaymentSessionsBase, IPaymentSessionsCore {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    address internal immutable _disputes;

    /// @param authority The protocol's AccessManager (maps `resolveDispute` and `claimArbitrationFees` to ARBITRATOR).
    /// @param market_ The job market whose stake backs the sessions.
    /// @param disputes_ The `PaymentSessionsDisputes` code (built with the same authority and market).
    constructor(address authority, IJobMarket market_, address disputes_) PaymentSessionsBase(authority, market_) {
        _disputes = disputes_;
    }

    /// @notice Runs every other selector (the dispute functions) in `disputes()`, in this contract's storage.
    fallback() external {
        address target = _disputes;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    // ================================================================== client

    /// @inheritdoc IPaymentSessionsCore
    function open(OpenParams calldata p) external nonReentrant returns (bytes32 sessionId, SessionTerms memory t) {
        (sessionId, t) = _open(msg.sender, p, _market.sessionQuote(address(this), p.provider, p.model, p.token));
        _pullExact(p.token, msg.sender, p.amount);
    }

    /// @inheritdoc IPaymentSessionsCore
    function onSessionFunded(
        address client,
        address provider,
        ModelId model,
        address token,
        uint96 amount,
        IJobMarketTypes.SessionQuote calldata quote,
        bytes calldata data
    ) external nonReentrant returns (bytes4, bytes32 sessionId) {
        require(msg.sender == address(_market), SessionNotMarket(msg.sender));
        OpenParams memory p;
        p.provider = provider;
        p.token = token;
        p.model = model;
        p.amount = amount;
        (p.pricing, p.maxPrice, p.expiry, p.signer, p.nonce) = abi.decode(data, (Pricing, uint96, uint40, address, uint64));
        (sessionId,) = _open(client, p, quote);
        return (this.onSessionFunded.selector, sessionId);
    }

    /// @dev Checks a new session against what the market quoted, stores its one slot of state and emits its terms.
    ///      The caller brings the escrow in (an ERC-20 pull, or the market's transfer from the client's balance).
    function _open(address client, OpenParams memory p, IJobMarketTypes.SessionQuote memory q)
        private
        returns (bytes32 sessionId, SessionTerms memory t)
    {
        require(p.amount != 0, SessionAmountZero());
        require(p.maxPrice != 0, SessionPriceZero());
        require(
            p.expiry > block.timestamp && p.expiry <= block.timestamp + MAX_RUN,
            SessionExpiryOutOfRange(p.expiry, block.timestamp + 1, block.timestamp + MAX_RUN)
        );
        require(q.moduleActive, IJobMarketErrors.ModuleNotActive(address(this)));
        require(q.tokenAllowed, SessionTokenNotAllowed(p.token));
        IJobMarketTypes.Offer memory o = q.offer;
        require(o.active, SessionOfferNotActive(p.provider, p.model));
        require(o.token == p.token, SessionOfferTokenMismatch(p.provider, p.model, o.token, p.token));
        require(p.maxPrice <= o.price, SessionPriceAboveOffer(p.provider, p.model, p.maxPrice, o.price));
        t = SessionTerms({
            client: client,
            provider: p.provider,
            token: p.token,
            model: p.model,
            pricing: p.pricing,
            maxPrice: p.maxPrice,
            amount: p.amount,
            signer: p.signer,
            nonce: p.nonce,
            signerEpoch: q.signerEpoch,
            protocolFeeBps: q.protocolFeeBps,
            collateralRatioBps: q.collateralRatioBps,
            challengeWindow: q.challengeWindow,
            stakeRate: q.stakeRate
        });
        sessionId = keccak256(abi.encode(block.chainid, address(this), t));
        require(_s().states[sessionId].status == SessionStatus.None, SessionAlreadyExists(sessionId));
        _storeState(sessionId, SessionState({
            settled: 0,
            settledRequests: 0,
            unlockAt: 0,
            expiry: uint256(p.expiry).toUint32(), // ≤ now + MAX_RUN: below 2^32 until 2106
            status: SessionStatus.Open,
            hasLedger: false,
            keyChanged: false,
            unspentReturned: false,
            openedBlock: uint32(block.number) // modulo 2^32 (getSessionTerms takes the latest block that fits)
        }));
        emit SessionOpened(sessionId, client, p.provider, t, p.expiry);
    }

    /// @inheritdoc IPaymentSessionsCore
    function topUp(SessionTerms memory t, uint96 amount, uint40 expiry) external nonReentrant {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        require(msg.sender == t.client, SessionNotClient(sessionId, msg.sender, t.client));
        require(s.status == SessionStatus.Open, SessionWrongStatus(sessionId, s.status));
        require(block.timestamp <= s.expiry, SessionExpired(sessionId, s.expiry, block.timestamp));
        if (expiry != 0) {
            require(
                expiry >= s.expiry && expiry <= block.timestamp + MAX_RUN,
                SessionExpiryOutOfRange(expiry, s.expiry, block.timestamp + MAX_RUN)
            );
            s.expiry = uint256(expiry).toUint32();
        }
        SessionLedger memory l = _ledger(sessionId, s);
        uint256 escrow = uint256(t.amount) + l.toppedUp + amount;
        require(escrow <= type(uint96).max, SessionEscrowTooLarge(escrow, type(uint96).max));
        l.toppedUp += amount; // ≤ escrow, a uint96
        s.hasLedger = true;
        _storeState(sessionId, s);
        _storeLedger(sessionId, l);
        if (amount != 0) _pullExact(t.token, msg.sender, amount);
        emit SessionToppedUp(sessionId, amount, escrow, s.expiry);
    }

    /// @inheritdoc IPaymentSessionsCore
    function setSessionSigner(SessionTerms memory t, address signer) external {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        require(msg.sender == t.client, SessionNotClient(sessionId, msg.sender, t.client));
        require(s.status == SessionStatus.Open, SessionWrongStatus(sessionId, s.status));
        require(block.timestamp <= s.expiry, SessionExpired(sessionId, s.expiry, block.timestamp));
        PaymentSessionsStorage storage $ = _s();
        address previous = t.signer;
        if (s.keyChanged) {
            SessionKeys memory k = $.keys[sessionId];
            require(
                block.timestamp > k.prevSignerUntil,
                SessionSignerChangePending(sessionId, k.prevSigner, k.prevSignerUntil)
            );
            previous = k.signer;
        } else {
            $.states[sessionId].keyChanged = true;
        }
        uint256 until = block.timestamp + GRACE;
        $.keys[sessionId] = SessionKeys({signer: signer, prevSignerUntil: uint40(until), prevSigner: previous});
        emit SessionSignerChanged(sessionId, signer, previous, until);
    }

    /// @inheritdoc IPaymentSessionsCore
    function reclaim(SessionTerms memory t) external nonReentrant returns (uint256 refund) {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        require(msg.sender == t.client, SessionNotClient(sessionId, msg.sender, t.client));
        SessionStatus status = s.status;
        refund = _unspent(t, sessionId, s);
        if (status == SessionStatus.Open) {
            uint256 availableAt = uint256(s.expiry) + GRACE + 1;
            require(block.timestamp >= availableAt, SessionReclaimTooEarly(sessionId, availableAt, block.timestamp));
            s.status = SessionStatus.Closed;
        } else {
            // A slashed session returns its unspent escrow at once; a closed one has none left.
            require(status == SessionStatus.Slashed && refund != 0, SessionWrongStatus(sessionId, status));
        }
        s.unspentReturned = true;
        _storeState(sessionId, s);
        IERC20(t.token).safeTransfer(t.client, refund);
        emit SessionClosed(sessionId, msg.sender, refund);
    }

    // ================================================================== provider

    /// @inheritdoc IPaymentSessionsCore
    function settle(SessionTerms memory t, uint256 cumulativeAmount, uint64 requestCount, bytes calldata signature)
        external
        nonReentrant
    {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        SessionLedger memory l = _ledger(sessionId, s);
        uint256 added = _applyVoucher(t, sessionId, s, l, cumulativeAmount, requestCount, signature);
        _storeState(sessionId, s);
        _useCollateral(t.provider, added);
        emit SessionSettled(sessionId, cumulativeAmount, requestCount, s.unlockAt);
    }

    /// @inheritdoc IPaymentSessionsCore
    function settleAndClose(
        SessionTerms memory t,
        uint256 cumulativeAmount,
        uint64 requestCount,
        bytes calldata signature
    ) external nonReentrant returns (uint256 refund) {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        require(msg.sender == t.provider, SessionNotProvider(sessionId, msg.sender, t.provider));
        SessionLedger memory l = _ledger(sessionId, s);
        uint256 added = _applyVoucher(t, sessionId, s, l, cumulativeAmount, requestCount, signature);
        // Open until now (the voucher checks say so): nothing was returned yet.
        refund = uint256(t.amount) + l.toppedUp - s.settled;
        s.status = SessionStatus.Closed;
        s.unspentReturned = true;
        _storeState(sessionId, s);
        _useCollateral(t.provider, added);
        emit SessionSettled(sessionId, cumulativeAmount, requestCount, s.unlockAt);
        if (refund != 0) IERC20(t.token).safeTransfer(t.client, refund);
        emit SessionClosed(sessionId, msg.sender, refund);
    }

    /// @dev Checks a voucher (`_requireVoucher`) and records it in `s` (not stored): the new settled amount and
    ///      request count, and the fraud window from now. Returns the collateral it adds to the pending settlement.
    function _applyVoucher(
        SessionTerms memory t,
        bytes32 sessionId,
        SessionState memory s,
        SessionLedger memory l,
        uint256 cumulativeAmount,
        uint64 requestCount,
        bytes calldata signature
    ) private view returns (uint256 added) {
        _requireVoucher(t, sessionId, s, l, cumulativeAmount, requestCount, signature);
        added = _collateralFor(t, cumulativeAmount - l.released) - _collateralFor(t, s.settled - l.released);
        s.settled = uint96(cumulativeAmount); // ≤ escrow, a uint96
        s.settledRequests = uint256(requestCount).toUint32();
        s.unlockAt = (block.timestamp + t.challengeWindow).toUint32();
    }

    /// @dev Every check on a voucher: session open and in time, amount increasing, within escrow and price,
    ///      signed by the client or a valid session key under this chain's and this contract's domain.
    function _requireVoucher(
        SessionTerms memory t,
        bytes32 sessionId,
        SessionState memory s,
        SessionLedger memory l,
        uint256 cumulativeAmount,
        uint64 requestCount,
        bytes calldata signature
    ) private view {
        SessionStatus status = s.status;
        require(status != SessionStatus.Closed, SessionIsClosed(sessionId));
        require(status == SessionStatus.Open, SessionWrongStatus(sessionId, status));
        uint256 deadline = uint256(s.expiry) + GRACE;
        require(block.timestamp <= deadline, SessionSettlementClosed(sessionId, deadline, block.timestamp));
        require(cumulativeAmount > s.settled, SessionVoucherNotIncreasing(sessionId, cumulativeAmount, s.settled));
        require(
            requestCount >= s.settledRequests,
            SessionVoucherRequestCountDecreasing(sessionId, requestCount, s.settledRequests)
        );
        uint256 escrow = uint256(t.amount) + l.toppedUp;
        require(cumulativeAmount <= escrow, SessionVoucherAboveEscrow(sessionId, cumulativeAmount, escrow));
        if (t.pricing == Pricing.PerRequest) {
            uint256 maxAmount = uint256(requestCount) * t.maxPrice;
            require(cumulativeAmount <= maxAmount, SessionVoucherAbovePrice(sessionId, cumulativeAmount, maxAmount));
        }
        address signer = _recover(sessionId, voucherDigest(sessionId, cumulativeAmount, requestCount), signature);
        require(_isVoucherSigner(t, sessionId, s, signer), SessionVoucherWrongSigner(sessionId, signer));
    }

    /// @inheritdoc IPaymentSessionsCore
    function close(SessionTerms memory t) external returns (uint256 refund) {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        require(msg.sender == t.provider, SessionNotProvider(sessionId, msg.sender, t.provider));
        require(s.status == SessionStatus.Open, SessionWrongStatus(sessionId, s.status));
        refund = _unspent(t, sessionId, s);
        s.status = SessionStatus.Closed;
        s.unspentReturned = true;
        PaymentSessionsStorage storage $ = _s();
        _storeState(sessionId, s);
        // Credited, not sent: a client the token blocks cannot stop its provider from closing.
        if (refund != 0) $.claimable[t.client][t.token] += refund;
        emit SessionClosed(sessionId, msg.sender, refund);
    }

    /// @inheritdoc IPaymentSessionsCore
    function release(SessionTerms memory t) external nonReentrant {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        SessionLedger memory l = _ledger(sessionId, s);
        require(block.timestamp > s.unlockAt, SessionReleaseTooEarly(sessionId, s.unlockAt, block.timestamp));
        require(l.openDisputes == 0, SessionDisputesOpen(sessionId, l.openDisputes));
        uint256 pending = uint256(s.settled) - l.released;
        require(pending != 0, SessionNothingToRelease(sessionId));
        uint256 collateral = _collateralFor(t, pending);
        uint256 fee = JobLib.bpsOf(pending, t.protocolFeeBps);
        l.released = s.settled;
        l.releasedRequests = s.settledRequests;
        PaymentSessionsStorage storage $ = _s();
        _saveLedger(sessionId, s, l);
        $.claimable[t.provider][t.token] += pending - fee;
        $.protocolFees[t.token] += fee;
        if (collateral != 0) $.pools[t.provider].used -= uint96(collateral);
        emit SessionReleased(sessionId, t.provider, pending - fee, fee, collateral);
    }

    /// @inheritdoc IPaymentSessionsCore
    function lockCollateral(uint96 amount) external nonReentrant {
        require(amount != 0, SessionAmountZero());
        CollateralPool storage pool = _s().pools[msg.sender];
        _market.moduleLock(msg.sender, amount);
        uint96 locked = pool.locked + amount; // the market's allowance for this module is a uint96 too
        pool.locked = locked;
        emit SessionCollateralLocked(msg.sender, amount, locked);
    }

    /// @inheritdoc IPaymentSessionsCore
    function unlockCollateral(uint96 amount) external nonReentrant {
        require(amount != 0, SessionAmountZero());
        CollateralPool storage pool = _s().pools[msg.sender];
        uint256 idle = uint256(pool.locked) - pool.used;
        require(amount <= idle, SessionCollateralNotIdle(msg.sender, amount, idle));
        uint96 locked = pool.locked - amount;
        pool.locked = locked;
        _market.moduleRelease(msg.sender, amount);
        emit SessionCollateralUnlocked(msg.sender, amount, locked);
    }

    // ================================================================== balances

    /// @inheritdoc IPaymentSessionsCore
    function claim(address token, address to) external nonReentrant returns (uint256 amount) {
        PaymentSessionsStorage storage $ = _s();
        amount = $.claimable[msg.sender][token];
        require(amount != 0, SessionNothingToClaim(msg.sender, token));
        $.claimable[msg.sender][token] = 0;
        IERC20(token).safeTransfer(to, amount);
        emit SessionFundsClaimed(msg.sender, token, to, amount);
    }

    /// @inheritdoc IPaymentSessionsCore
    function sweepFees(address token) external nonReentrant returns (uint256 amount) {
        PaymentSessionsStorage storage $ = _s();
        amount = $.protocolFees[token];
        require(amount != 0, SessionNothingToClaim(address(this), token));
        $.protocolFees[token] = 0;
        (, address treasury,,,) = _market.settings();
        IERC20(token).safeTransfer(treasury, amount);
        emit SessionFeesSwept(token, treasury, amount);
    }

    // ================================================================== views

    /// @inheritdoc IPaymentSessionsCore
    function sessionState(bytes32 sessionId)
        external
        view
        returns (SessionState memory state, SessionLedger memory ledger, SessionKeys memory keys)
    {
        PaymentSessionsStorage storage $ = _s();
        return ($.states[sessionId], $.ledgers[sessionId], $.keys[sessionId]);
    }

    /// @inheritdoc IPaymentSessionsCore
    function collateralPool(address provider) external view returns (CollateralPool memory) {
        return _s().pools[provider];
    }

    /// @inheritdoc IPaymentSessionsCore
    function sessionDispute(bytes32 disputeId) external view returns (SessionDispute memory) {
        return _s().disputes[disputeId];
    }

    /// @inheritdoc IPaymentSessionsCore
    function sessionIdOf(SessionTerms memory t) external view returns (bytes32) {
        return _idOf(t);
    }

    /// @inheritdoc IPaymentSessionsCore
    function voucherDigest(bytes32 sessionId, uint256 cumulativeAmount, uint64 requestCount)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, sessionId, cumulativeAmount, requestCount)));
    }

    /// @inheritdoc IPaymentSessionsCore
    function attestationDigest(
        bytes32 sessionId,
        uint64 requestIndex,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash
    ) external view returns (bytes32) {
        return _attestationDigest(sessionId, requestIndex, model, inputHash, outputHash);
    }

    /// @inheritdoc IPaymentSessionsCore
    function claimable(address account, address token) external view returns (uint256) {
        return _s().claimable[account][token];
    }

    /// @inheritdoc IPaymentSessionsCore
    function feesAccrued(address token) external view returns (uint256 protocolFees, uint256 arbitrationFees) {
        PaymentSessionsStorage storage $ = _s();
        return ($.protocolFees[token], $.arbitrationFees[token]);
    }

    /// @inheritdoc IPaymentSessionsCore
    function market() external view returns (address) {
        return address(_market);
    }

    /// @inheritdoc IPaymentSessionsCore
    function disputes() external view returns (address) {
        return _disputes;
    }

    /// @inheritdoc IPaymentSessionsCore
    function SETTLEMENT_GRACE() external pure returns (uint256) {
        return GRACE;
    }

    /// @inheritdoc IPaymentSessionsCore
    function MAX_DURATION() external pure returns (uint256) {
        return MAX_RUN;
    }
}
