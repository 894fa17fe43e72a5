// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IJobMarket, IJobMarketErrors, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IPaymentSessionsErrors, IPaymentSessionsEvents, IPaymentSessionsTypes} from "../interfaces/IPaymentSessions.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {ModelId} from "../types/Ids.sol";

/// @title What both halves of the payment-session module share: storage, constants and helpers
/// @notice `PaymentSessions` runs its own code and delegates the dispute functions to `PaymentSessionsDisputes`;
///         both inherit this contract, so they read one storage layout (the ERC-7201 namespace below, plus the
///         AccessManaged slot) at `PaymentSessions`' address.
abstract contract PaymentSessionsBase is
    IPaymentSessionsTypes,
    IPaymentSessionsErrors,
    IPaymentSessionsEvents,
    AccessManaged,
    EIP712,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @dev Seconds after expiry during which vouchers still settle, and a replaced session key stays valid.
    uint256 internal constant GRACE = 1 days;
    /// @dev The longest a session may run from opening or top-up.
    uint256 internal constant MAX_RUN = 30 days;

    bytes32 internal constant VOUCHER_TYPEHASH =
        keccak256("Voucher(bytes32 sessionId,uint256 cumulativeAmount,uint64 requestCount)");
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 sessionId,uint64 requestIndex,bytes32 model,bytes32 inputHash,bytes32 outputHash)"
    );

    IJobMarket internal immutable _market;
    address private immutable _self = address(this);

    /// @custom:storage-location erc7201:depinfer.storage.PaymentSessions
    struct PaymentSessionsStorage {
        mapping(bytes32 sessionId => SessionState) states;
        mapping(bytes32 sessionId => SessionLedger) ledgers;
        mapping(bytes32 sessionId => SessionKeys) keys;
        mapping(address provider => CollateralPool) pools;
        mapping(bytes32 disputeId => SessionDispute) disputes;
        mapping(address account => mapping(address token => uint256)) claimable;
        mapping(address token => uint256) protocolFees;
        mapping(address token => uint256) arbitrationFees;
    }

    // keccak256(abi.encode(uint256(keccak256("depinfer.storage.PaymentSessions")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xdf64b31c4b96cb054d47d50ac91a3833c405154e9780ab6785e13a62996deb00;

    function _s() internal pure returns (PaymentSessionsStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    /// @param authority The protocol's AccessManager (maps `resolveDispute` and `claimArbitrationFees` to ARBITRATOR).
    /// @param market_ The job market whose stake backs the sessions.
    constructor(address authority, IJobMarket market_) AccessManaged(authority) EIP712("DepinferSessions", "1") {
        _market = market_;
    }

    /// @dev Code that runs only in `PaymentSessions`' storage (by delegatecall), never at its own address.
    modifier onlyDelegated() {
        require(address(this) != _self, SessionNotDelegated());
        _;
    }

    // ================================================================== internal

    /// @dev The session with these terms (one SLOAD); reverts if there is none.
    function _idOf(SessionTerms memory t) internal view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), t));
    }

    function _attestationDigest(
        bytes32 sessionId,
        uint64 requestIndex,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash
    ) internal view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(ATTESTATION_TYPEHASH, sessionId, requestIndex, model, inputHash, outputHash))
        );
    }

    function _load(SessionTerms memory t) internal view returns (bytes32 sessionId, SessionState memory s) {
        sessionId = _idOf(t);
        s = _state(sessionId);
        require(s.status != SessionStatus.None, SessionUnknown(sessionId));
    }

    /// @dev The session's ledger, read only if it was ever written.
    function _ledger(bytes32 sessionId, SessionState memory s) internal view returns (SessionLedger memory l) {
        if (s.hasLedger) l = _s().ledgers[sessionId];
    }

    function _state(bytes32 sessionId) internal view returns (SessionState memory) {
        return _s().states[sessionId];
    }

    function _storeState(bytes32 sessionId, SessionState memory s) internal {
        _s().states[sessionId] = s;
    }

    function _storeLedger(bytes32 sessionId, SessionLedger memory l) internal {
        _s().ledgers[sessionId] = l;
    }

    /// @dev Writes the ledger, and marks the state as having one the first time.
    function _saveLedger(bytes32 sessionId, SessionState memory s, SessionLedger memory l) internal {
        if (!s.hasLedger) {
            s.hasLedger = true;
            _storeState(sessionId, s);
        }
        _storeLedger(sessionId, l);
    }

    function _openDispute(SessionTerms memory t, bytes32 disputeId)
        internal
        view
        returns (bytes32 sessionId, SessionDispute storage d)
    {
        d = _s().disputes[disputeId];
        require(d.status == DisputeStatus.Open, SessionDisputeNotOpen(disputeId, d.status));
        sessionId = _idOf(t);
        require(d.sessionId == sessionId, SessionDisputeOfAnotherSession(disputeId, d.sessionId, sessionId));
    }

    /// @dev `collateralRatio ×` `amount` at the session's stake rate, in stake units.
    function _collateralFor(SessionTerms memory t, uint256 amount) internal pure returns (uint256) {
        return JobLib.collateralFor(amount, t.collateralRatioBps, t.stakeRate);
    }

    /// @dev What the client escrowed and has not been returned, less what was settled.
    function _unspent(SessionTerms memory t, bytes32 sessionId, SessionState memory s)
        internal
        view
        returns (uint256)
    {
        if (s.unspentReturned) return 0;
        return uint256(t.amount) + _ledger(sessionId, s).toppedUp - s.settled;
    }

    /// @dev Backs `amount` more of pending settlements with the provider's pool; locks in the market what the idle
    ///      part lacks (the market checks then that this module is active). A pool with enough idle collateral does
    ///      not call the market: a retired module opens no session (`open` checks), and what its sessions settle
    ///      after the retirement is as unbacked as what they settled before it (anyone may release its locks).
    function _useCollateral(address provider, uint256 amount) internal {
        if (amount == 0) return;
        CollateralPool storage pool = _s().pools[provider];
        CollateralPool memory p = pool;
        uint256 idle = uint256(p.locked) - p.used;
        if (idle < amount) {
            uint256 shortfall = amount - idle;
            _market.moduleLock(provider, shortfall);
            p.locked = (uint256(p.locked) + shortfall).toUint96();
        }
        p.used = (uint256(p.used) + amount).toUint96();
        pool.locked = p.locked;
        pool.used = p.used;
    }

    /// @dev A proven fault: slashes the session's collateral (the reward to `beneficiary`), refunds the pending
    ///      settlement and, while open, freezes the session (`Slashed`: no more vouchers; the client reclaims the
    ///      unspent escrow at once).
    function _punish(SessionTerms memory t, bytes32 sessionId, address beneficiary, uint256 rewardBps)
        internal
        returns (uint256 slashed, uint256 refunded)
    {
        PaymentSessionsStorage storage $ = _s();
        SessionState storage st = $.states[sessionId];
        if (st.status == SessionStatus.Open) st.status = SessionStatus.Slashed;
        (refunded, slashed) = _refundPending(t, sessionId);
        if (slashed != 0) {
            CollateralPool storage pool = $.pools[t.provider];
            pool.locked -= uint96(slashed);
            pool.used -= uint96(slashed);
            _market.moduleSlash(t.provider, slashed, beneficiary, rewardBps);
        }
    }

    /// @dev Credits the client with the settled value not yet released, and marks it released. Returns it and
    ///      the collateral that backed it (which the caller frees or slashes).
    function _refundPending(SessionTerms memory t, bytes32 sessionId)
        internal
        returns (uint256 refunded, uint256 collateral)
    {
        PaymentSessionsStorage storage $ = _s();
        SessionState memory s = _state(sessionId);
        SessionLedger memory l = _ledger(sessionId, s);
        refunded = uint256(s.settled) - l.released;
        collateral = _collateralFor(t, refunded);
        l.released = s.settled;
        l.releasedRequests = s.settledRequests;
        _saveLedger(sessionId, s, l);
        if (refunded != 0) $.claimable[t.client][t.token] += refunded;
    }

    function _isVoucherSigner(SessionTerms memory t, bytes32 sessionId, SessionState memory s, address signer)
        internal
        view
        returns (bool)
    {
        if (signer == t.client) return true;
        if (!s.keyChanged) return t.signer != address(0) && signer == t.signer;
        SessionKeys memory k = _s().keys[sessionId];
        if (k.signer != address(0) && signer == k.signer) return true;
        return k.prevSigner != address(0) && signer == k.prevSigner && block.timestamp <= k.prevSignerUntil;
    }

    /// @dev Reverts unless `signature` is the session's provider's attestation, by a signer key of the provider
    ///      that became its signer at or after the session opened (a key retired before cannot be used against it).
    function _requireAttestedBy(
        SessionTerms memory t,
        bytes32 sessionId,
        uint64 requestIndex,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes calldata signature
    ) internal view {
        address signer =
            _recover(sessionId, _attestationDigest(sessionId, requestIndex, model, inputHash, outputHash), signature);
        uint256 keyEpoch = _market.signerKeyEpoch(t.provider, signer);
        require(keyEpoch > t.signerEpoch, SessionAttestationWrongSigner(sessionId, signer));
    }

    function _recover(bytes32 sessionId, bytes32 digest, bytes calldata signature) internal pure returns (address) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        require(err == ECDSA.RecoverError.NoError, SessionSignatureInvalid(sessionId));
        return signer;
    }

    /// @dev Pulls exactly `amount`, refusing a token that delivers less (fee on transfer).
    function _pullExact(address token, address from, uint256 amount) internal {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        require(received == amount, SessionFeeOnTransferToken(token, amount, received));
    }
}
