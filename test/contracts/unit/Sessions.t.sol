// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {IPaymentSessionsCore, IPaymentSessionsDisputes} from "../../../contracts/interfaces/IPaymentSessions.sol";
import {FeeOnTransferToken as FotToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {PaymentSessions} from "../../../contracts/sessions/PaymentSessions.sol";
import {ModelId} from "../../../contracts/types/Ids.sol";
import {IJobMarketTypes} from "../../../contracts/interfaces/IJobMarket.sol";
import {SessionsFixture} from "../utils/SessionsFixture.sol";

/// @notice Unit tests of PaymentSessions, one per path and per named error. Tree: test/contracts/tree/Sessions.tree.
contract SessionsTest is SessionsFixture {
    bytes32 internal constant IN = keccak256("in");

    // ================================================================== open

    function test_open_escrowsAndRecordsTerms() public {
        uint256 before = usdc.balanceOf(sclient);
        OpenParams memory p = _params(ESCROW);
        (IJobMarketTypes.Params memory params,) = market.params();
        SessionTerms memory t = SessionTerms({
            client: sclient,
            provider: alice.account,
            token: address(usdc),
            model: modelId,
            pricing: Pricing.PerRequest,
            maxPrice: SPRICE,
            amount: ESCROW,
            signer: address(0),
            nonce: p.nonce,
            signerEpoch: market.provider(alice.account).signerEpoch,
            protocolFeeBps: params.protocolFeeBps,
            collateralRatioBps: params.collateralRatioBps,
            challengeWindow: params.challengeWindow,
            stakeRate: market.paymentToken(address(usdc)).stakeRate
        });
        bytes32 expected = sessions.sessionIdOf(t);
        assertEq(expected, keccak256(abi.encode(block.chainid, address(sessions), t)), "id formula");
        vm.expectEmit(address(sessions));
        emit SessionOpened(expected, sclient, alice.account, t, p.expiry);
        vm.prank(sclient);
        bytes32 id = _openWith(p);
        assertEq(id, expected, "id");
        assertEq(keccak256(abi.encode(_t(id))), keccak256(abi.encode(t)), "returned terms");
        Session memory s = sessions.session(_t(id));
        assertEq(uint256(s.status), uint256(SessionStatus.Open), "status");
        assertEq(s.escrow, ESCROW, "escrow");
        assertEq(s.provider, alice.account, "provider");
        assertEq(s.protocolFeeBps, 100, "fee snapshot");
        assertEq(usdc.balanceOf(sclient), before - ESCROW, "client paid");
        assertEq(usdc.balanceOf(address(sessions)), ESCROW, "module holds");
    }

    function test_open_revertsOnAmountZero() public {
        OpenParams memory p = _params(0);
        vm.prank(sclient);
        vm.expectRevert(SessionAmountZero.selector);
        _openWith(p);
    }

    function test_open_revertsOnPriceZero() public {
        OpenParams memory p = _params(ESCROW);
        p.maxPrice = 0;
        vm.prank(sclient);
        vm.expectRevert(SessionPriceZero.selector);
        _openWith(p);
    }

    function test_open_revertsOnTokenNotAllowed() public {
        MockERC20 other = new MockERC20("Other", "OTH", 6);
        OpenParams memory p = _params(ESCROW);
        p.token = address(other);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionTokenNotAllowed.selector, address(other)));
        _openWith(p);
    }

    function test_open_revertsOnOfferNotActive() public {
        OpenParams memory p = _params(ESCROW);
        p.provider = stranger;
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionOfferNotActive.selector, stranger, modelId));
        _openWith(p);
    }

    function test_open_revertsOnOfferTokenMismatch() public {
        MockERC20 other = new MockERC20("Other", "OTH", 6);
        market.configurePaymentToken(address(other), true, BOND_FLOOR, STAKE_RATE);
        OpenParams memory p = _params(ESCROW);
        p.token = address(other);
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(SessionOfferTokenMismatch.selector, alice.account, modelId, address(usdc), address(other))
        );
        _openWith(p);
    }

    function test_open_revertsOnPriceAboveOffer() public {
        OpenParams memory p = _params(ESCROW);
        p.maxPrice = PRICE + 1;
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionPriceAboveOffer.selector, alice.account, modelId, PRICE + 1, PRICE));
        _openWith(p);
        p.maxPrice = PRICE; // equal to the offer: allowed
        vm.prank(sclient);
        _openWith(p);
    }

    function test_open_revertsOnExpiryOutOfRange() public {
        OpenParams memory p = _params(ESCROW);
        p.expiry = uint40(block.timestamp);
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(
                SessionExpiryOutOfRange.selector, block.timestamp, block.timestamp + 1, block.timestamp + 30 days
            )
        );
        _openWith(p);
        p.expiry = uint40(block.timestamp + 30 days + 1);
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(
                SessionExpiryOutOfRange.selector, block.timestamp + 30 days + 1, block.timestamp + 1, block.timestamp + 30 days
            )
        );
        _openWith(p);
        p.expiry = uint40(block.timestamp + 30 days); // the last second allowed
        vm.prank(sclient);
        _openWith(p);
    }

    function test_open_revertsOnReusedNonce() public {
        OpenParams memory p = _params(ESCROW);
        vm.prank(sclient);
        bytes32 id = _openWith(p);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionAlreadyExists.selector, id));
        _openWith(p);
    }

    function test_open_revertsOnFeeOnTransferToken() public {
        FotToken fot = new FotToken();
        market.configurePaymentToken(address(fot), true, BOND_FLOOR, STAKE_RATE);
        ModelId m2 = market.registerModel(keccak256("w2"), keccak256("r2"), Determinism.EXACT, "ipfs://m2");
        vm.prank(alice.account);
        market.setOffer(m2, address(fot), PRICE, 60, true);
        fot.mint(sclient, 100 * USDC);
        vm.prank(sclient);
        fot.approve(address(sessions), type(uint256).max);
        OpenParams memory p = _params(ESCROW);
        p.token = address(fot);
        p.model = m2;
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(SessionFeeOnTransferToken.selector, address(fot), ESCROW, ESCROW - ESCROW / 100)
        );
        _openWith(p);
    }

    // ================================================================== topUp

    function test_topUp_addsEscrowAndExtends() public {
        bytes32 id = _open(ESCROW);
        uint40 later = uint40(_expiry(id) + 1 days);
        vm.prank(sclient);
        sessions.topUp(_t(id), ESCROW, later);
        Session memory s = sessions.session(_t(id));
        assertEq(s.escrow, 2 * ESCROW, "escrow");
        assertEq(s.expiry, later, "expiry");
        assertEq(usdc.balanceOf(address(sessions)), 2 * ESCROW, "held");
    }

    function test_topUp_revertsOnNotClient() public {
        bytes32 id = _open(ESCROW);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(SessionNotClient.selector, id, stranger, sclient));
        sessions.topUp(_t(id), ESCROW, 0);
    }

    function test_topUp_revertsOnUnknownSession() public {
        SessionTerms memory none = _t(bytes32(uint256(1))); // no session has these (empty) terms
        bytes32 id = sessions.sessionIdOf(none);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionUnknown.selector, id));
        sessions.topUp(none, ESCROW, 0);
    }

    function test_topUp_revertsAfterExpiry() public {
        bytes32 id = _open(ESCROW);
        uint256 expiry = _expiry(id);
        vm.warp(expiry); // the last second: allowed
        vm.prank(sclient);
        sessions.topUp(_t(id), 1, 0);
        vm.warp(expiry + 1);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionExpired.selector, id, expiry, expiry + 1));
        sessions.topUp(_t(id), 1, 0);
    }

    function test_topUp_revertsOnShorterExpiry() public {
        bytes32 id = _open(ESCROW);
        uint256 expiry = _expiry(id);
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(SessionExpiryOutOfRange.selector, expiry - 1, expiry, block.timestamp + 30 days)
        );
        sessions.topUp(_t(id), 1, uint40(expiry - 1));
    }

    function test_topUp_revertsOnEscrowTooLarge() public {
        bytes32 id = _open(ESCROW);
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(
                SessionEscrowTooLarge.selector, uint256(ESCROW) + type(uint96).max, uint256(type(uint96).max)
            )
        );
        sessions.topUp(_t(id), type(uint96).max, 0);
    }

    function test_topUp_revertsOnClosedSession() public {
        bytes32 id = _open(ESCROW);
        vm.prank(alice.account);
        sessions.close(_t(id));
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionWrongStatus.selector, id, SessionStatus.Closed));
        sessions.topUp(_t(id), 1, 0);
    }

    // ================================================================== settle

    function test_settle_collectsAndLocksCollateral() public {
        bytes32 id = _open(ESCROW);
        uint256 amount = 100 * SPRICE; // 1 USDC for 100 requests
        bytes memory sig = _voucher(id, amount, 100);
        vm.expectEmit(address(sessions));
        emit SessionSettled(id, amount, 100, block.timestamp + WINDOW);
        vm.prank(stranger); // anyone may relay it
        sessions.settle(_t(id), amount, 100, sig);
        Session memory s = sessions.session(_t(id));
        assertEq(s.settled, amount, "settled");
        assertEq(s.settledRequests, 100, "requests");
        assertEq(s.collateral, _coll(amount), "collateral");
        assertEq(_moduleLocked(alice.account), _coll(amount), "locked in market");
        assertEq(market.provider(alice.account).locked, _coll(amount), "provider locked");
    }

    function test_settle_secondVoucherAddsOnlyTheDifference() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 50 * SPRICE, 50);
        vm.warp(block.timestamp + 1 hours);
        _settle(id, 80 * SPRICE, 80);
        Session memory s = sessions.session(_t(id));
        assertEq(s.settled, 80 * SPRICE, "settled");
        assertEq(s.collateral, _coll(80 * SPRICE), "collateral of both");
        assertEq(s.unlockAt, block.timestamp + WINDOW, "window restarts");
    }

    function test_settle_revertsOnVoucherAboveEscrow() public {
        bytes32 id = _open(ESCROW);
        uint256 amount = uint256(ESCROW) + 1;
        bytes memory sig = _voucher(id, amount, 10_000);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherAboveEscrow.selector, id, amount, ESCROW));
        sessions.settle(_t(id), amount, 10_000, sig);
        _settle(id, ESCROW, 10_000); // exactly the escrow: allowed
    }

    function test_settle_revertsOnNonIncreasingVoucher() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        bytes memory same = _voucher(id, 10 * SPRICE, 10);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherNotIncreasing.selector, id, 10 * SPRICE, 10 * SPRICE));
        sessions.settle(_t(id), 10 * SPRICE, 10, same); // the same voucher twice
        bytes memory lower = _voucher(id, 5 * SPRICE, 5);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherNotIncreasing.selector, id, 5 * SPRICE, 10 * SPRICE));
        sessions.settle(_t(id), 5 * SPRICE, 5, lower); // an older voucher after a newer one
    }

    function test_settle_revertsOnDecreasingRequestCount() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        bytes memory sig = _voucher(id, 11 * SPRICE, 9);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherRequestCountDecreasing.selector, id, 9, 10));
        sessions.settle(_t(id), 11 * SPRICE, 9, sig);
    }

    function test_settle_revertsOnVoucherAbovePrice() public {
        bytes32 id = _open(ESCROW);
        bytes memory sig = _voucher(id, 10 * SPRICE + 1, 10);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherAbovePrice.selector, id, 10 * SPRICE + 1, 10 * SPRICE));
        sessions.settle(_t(id), 10 * SPRICE + 1, 10, sig);
    }

    function test_settle_perThousandTokensHasNoPerRequestCap() public {
        OpenParams memory p = _params(ESCROW);
        p.pricing = Pricing.PerThousandTokens;
        vm.prank(sclient);
        bytes32 id = _openWith(p);
        _settle(id, 10 * SPRICE + 1, 10);
        assertEq(sessions.session(_t(id)).settled, 10 * SPRICE + 1, "settled past requestCount x price");
    }

    function test_settle_revertsOnStrangerSignature() public {
        bytes32 id = _open(ESCROW);
        uint256 key = uint256(keccak256("stranger key"));
        bytes memory sig = _sig(key, sessions.voucherDigest(id, SPRICE, 1));
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherWrongSigner.selector, id, vm.addr(key)));
        sessions.settle(_t(id), SPRICE, 1, sig);
    }

    function test_settle_revertsOnReplayFromAnotherSession() public {
        bytes32 a = _open(ESCROW);
        bytes32 b = _open(ESCROW);
        bytes memory sigA = _voucher(a, SPRICE, 1); // same client, same amounts, other session
        vm.expectRevert(); // recovers some other address
        sessions.settle(_t(b), SPRICE, 1, sigA);
        (bool ok, bytes memory ret) =
            address(sessions).call(abi.encodeCall(IPaymentSessionsCore.settle, (_t(b), SPRICE, 1, sigA)));
        assertFalse(ok, "replayed");
        assertEq(bytes32(bytes4(ret)), bytes32(SessionVoucherWrongSigner.selector), "error");
    }

    function test_settle_revertsOnReplayFromAnotherChain() public {
        bytes32 id = _open(ESCROW);
        uint256 chainId = block.chainid;
        vm.chainId(chainId + 1);
        bytes memory other = _voucher(id, SPRICE, 1); // signed under the other chain's domain
        vm.chainId(chainId);
        (bool ok, bytes memory ret) =
            address(sessions).call(abi.encodeCall(IPaymentSessionsCore.settle, (_t(id), SPRICE, 1, other)));
        assertFalse(ok, "replayed across chains");
        assertEq(bytes32(bytes4(ret)), bytes32(SessionVoucherWrongSigner.selector), "error");
    }

    function test_settle_revertsOnReplayFromAnotherDeployment() public {
        bytes32 id = _open(ESCROW);
        PaymentSessions twin = new PaymentSessions(address(manager), market, sessions.disputes());
        bytes memory other = _sig(clientKey, twin.voucherDigest(id, SPRICE, 1));
        (bool ok, bytes memory ret) =
            address(sessions).call(abi.encodeCall(IPaymentSessionsCore.settle, (_t(id), SPRICE, 1, other)));
        assertFalse(ok, "replayed across deployments");
        assertEq(bytes32(bytes4(ret)), bytes32(SessionVoucherWrongSigner.selector), "error");
    }

    function test_settle_revertsOnMalformedSignature() public {
        bytes32 id = _open(ESCROW);
        bytes memory sig = _voucher(id, SPRICE, 1);
        bytes memory short = new bytes(64);
        for (uint256 i; i < 64; ++i) {
            short[i] = sig[i];
        }
        vm.expectRevert(abi.encodeWithSelector(SessionSignatureInvalid.selector, id));
        sessions.settle(_t(id), SPRICE, 1, short);
    }

    function test_settle_revertsOnHighS() public {
        bytes32 id = _open(ESCROW);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(clientKey, sessions.voucherDigest(id, SPRICE, 1));
        bytes memory high = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(SessionSignatureInvalid.selector, id));
        sessions.settle(_t(id), SPRICE, 1, high);
    }

    function test_settle_revertsOnClosedSession() public {
        bytes32 id = _open(ESCROW);
        bytes memory sig = _voucher(id, SPRICE, 1);
        vm.prank(alice.account);
        sessions.close(_t(id));
        vm.expectRevert(abi.encodeWithSelector(SessionIsClosed.selector, id));
        sessions.settle(_t(id), SPRICE, 1, sig);
    }

    function test_settle_revertsAfterGrace() public {
        bytes32 id = _open(ESCROW);
        uint256 deadline = _expiry(id) + GRACE;
        bytes memory sig = _voucher(id, SPRICE, 1);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(SessionSettlementClosed.selector, id, deadline, deadline + 1));
        sessions.settle(_t(id), SPRICE, 1, sig);
    }

    function test_settle_acceptedAtTheLastSecondOfGrace() public {
        bytes32 id = _open(ESCROW);
        vm.warp(_expiry(id) + GRACE);
        _settle(id, SPRICE, 1);
        assertEq(sessions.session(_t(id)).settled, SPRICE, "settled after expiry, within grace");
    }

    function test_settle_revertsWithoutAllowance() public {
        vm.prank(alice.account);
        market.setModuleAllowance(address(sessions), 0);
        bytes32 id = _open(ESCROW);
        bytes memory sig = _voucher(id, SPRICE, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ModuleAllowanceExceeded.selector, address(sessions), alice.account, _coll(SPRICE), 0)
        );
        sessions.settle(_t(id), SPRICE, 1, sig);
    }

    function test_settle_revertsOnSlashedSession() public {
        (bytes32 id,) = _upheld();
        bytes memory sig = _voucher(id, 20 * SPRICE, 20);
        vm.expectRevert(abi.encodeWithSelector(SessionWrongStatus.selector, id, SessionStatus.Slashed));
        sessions.settle(_t(id), 20 * SPRICE, 20, sig);
    }

    // ================================================================== settle vs reclaim, same block

    /// @dev At `expiry + GRACE` only settle is allowed; one second later only reclaim: no timestamp allows both,
    ///      so no ordering inside a block lets the client take back what a voucher already paid.
    function test_settleAndReclaim_sameTimestamp_lastSecondOfGrace() public {
        bytes32 id = _open(ESCROW);
        uint256 deadline = _expiry(id) + GRACE;
        vm.warp(deadline);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionReclaimTooEarly.selector, id, deadline + 1, deadline));
        sessions.reclaim(_t(id));
        _settle(id, ESCROW, 1_000);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionReclaimTooEarly.selector, id, deadline + 1, deadline));
        sessions.reclaim(_t(id));
    }

    function test_settleAndReclaim_sameTimestamp_firstSecondOfReclaim() public {
        bytes32 id = _open(ESCROW);
        uint256 deadline = _expiry(id) + GRACE;
        bytes memory sig = _voucher(id, 40 * SPRICE, 40);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(SessionSettlementClosed.selector, id, deadline, deadline + 1));
        sessions.settle(_t(id), 40 * SPRICE, 40, sig);
        vm.prank(sclient);
        assertEq(sessions.reclaim(_t(id)), ESCROW, "whole escrow back");
        vm.expectRevert(abi.encodeWithSelector(SessionIsClosed.selector, id));
        sessions.settle(_t(id), 40 * SPRICE, 40, sig);
    }

    // ================================================================== session keys

    function test_sessionKey_signsVouchers() public {
        uint256 key = uint256(keccak256("session key"));
        OpenParams memory p = _params(ESCROW);
        p.signer = vm.addr(key);
        vm.prank(sclient);
        bytes32 id = _openWith(p);
        bytes memory sig = _sig(key, sessions.voucherDigest(id, SPRICE, 1));
        sessions.settle(_t(id), SPRICE, 1, sig);
        assertEq(sessions.session(_t(id)).settled, SPRICE, "settled with the session key");
    }

    function test_setSessionSigner_oldKeyValidForGraceOnly() public {
        uint256 oldKey = uint256(keccak256("old key"));
        uint256 newKey = uint256(keccak256("new key"));
        OpenParams memory p = _params(ESCROW);
        p.signer = vm.addr(oldKey);
        vm.prank(sclient);
        bytes32 id = _openWith(p);
        uint256 until = block.timestamp + GRACE;
        vm.expectEmit(address(sessions));
        emit SessionSignerChanged(id, vm.addr(newKey), vm.addr(oldKey), until);
        vm.prank(sclient);
        sessions.setSessionSigner(_t(id), vm.addr(newKey));
        sessions.settle(_t(id), SPRICE, 1, _sig(newKey, sessions.voucherDigest(id, SPRICE, 1))); // new key: at once
        vm.warp(until);
        sessions.settle(_t(id), 2 * SPRICE, 2, _sig(oldKey, sessions.voucherDigest(id, 2 * SPRICE, 2))); // old: until `until`
        vm.warp(until + 1);
        bytes memory late = _sig(oldKey, sessions.voucherDigest(id, 3 * SPRICE, 3));
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherWrongSigner.selector, id, vm.addr(oldKey)));
        sessions.settle(_t(id), 3 * SPRICE, 3, late);
    }

    function test_setSessionSigner_revertsWhileAChangeIsPending() public {
        bytes32 id = _open(ESCROW);
        vm.prank(sclient);
        sessions.setSessionSigner(_t(id), makeAddr("k1"));
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(SessionSignerChangePending.selector, id, address(0), block.timestamp + GRACE)
        );
        sessions.setSessionSigner(_t(id), makeAddr("k2"));
    }

    function test_setSessionSigner_revertsOnNotClient() public {
        bytes32 id = _open(ESCROW);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionNotClient.selector, id, alice.account, sclient));
        sessions.setSessionSigner(_t(id), makeAddr("k1"));
    }

    function test_setSessionSigner_revertsAfterExpiry() public {
        bytes32 id = _open(ESCROW);
        uint256 expiry = _expiry(id);
        vm.warp(expiry + 1);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionExpired.selector, id, expiry, expiry + 1));
        sessions.setSessionSigner(_t(id), makeAddr("k1"));
    }

    // ================================================================== release, claim, fees

    function test_release_paysProviderLessFeeAndUnlocks() public {
        bytes32 id = _open(ESCROW);
        uint256 amount = 100 * SPRICE;
        _settle(id, amount, 100);
        uint256 unlockAt = block.timestamp + WINDOW;
        vm.warp(unlockAt);
        vm.expectRevert(abi.encodeWithSelector(SessionReleaseTooEarly.selector, id, unlockAt, unlockAt));
        sessions.release(_t(id));
        vm.warp(unlockAt + 1);
        sessions.release(_t(id));
        uint256 fee = amount / 100;
        assertEq(sessions.claimable(alice.account, address(usdc)), amount - fee, "provider credited");
        (uint256 protocolFees,) = sessions.feesAccrued(address(usdc));
        assertEq(protocolFees, fee, "fee");
        assertEq(_poolUsed(alice.account), 0, "collateral back in the pool");
        assertEq(_moduleLocked(alice.account), _coll(amount), "idle in the pool, still locked in the market");
        vm.expectRevert(abi.encodeWithSelector(SessionNothingToRelease.selector, id));
        sessions.release(_t(id));
        vm.prank(alice.account);
        sessions.unlockCollateral(uint96(_coll(amount)));
        assertEq(_moduleLocked(alice.account), 0, "collateral released");
        assertEq(market.provider(alice.account).locked, 0, "provider unlocked");

        vm.prank(alice.account);
        assertEq(sessions.claim(address(usdc), alice.account), amount - fee, "claimed");
        assertEq(usdc.balanceOf(alice.account), amount - fee, "paid");
        assertEq(sessions.sweepFees(address(usdc)), fee, "swept");
        assertEq(usdc.balanceOf(treasury), fee, "treasury");
    }

    function test_release_revertsWhileDisputed() public {
        (bytes32 id,) = _disputed();
        vm.warp(block.timestamp + WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputesOpen.selector, id, 1));
        sessions.release(_t(id));
    }

    function test_claim_revertsOnNothing() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(SessionNothingToClaim.selector, stranger, address(usdc)));
        sessions.claim(address(usdc), stranger);
    }

    function test_sweepFees_revertsOnNothing() public {
        vm.expectRevert(abi.encodeWithSelector(SessionNothingToClaim.selector, address(sessions), address(usdc)));
        sessions.sweepFees(address(usdc));
    }

    function test_claimArbitrationFees_restricted() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        sessions.claimArbitrationFees(address(usdc), stranger);
        vm.prank(arbitrator);
        vm.expectRevert(abi.encodeWithSelector(SessionNothingToClaim.selector, address(sessions), address(usdc)));
        sessions.claimArbitrationFees(address(usdc), arbitrator);
    }

    // ================================================================== close and reclaim

    function test_close_byProviderCreditsUnspent() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 30 * SPRICE, 30);
        vm.prank(alice.account);
        assertEq(sessions.close(_t(id)), ESCROW - 30 * SPRICE, "refund");
        assertEq(sessions.claimable(sclient, address(usdc)), ESCROW - 30 * SPRICE, "credited");
        assertEq(uint256(sessions.session(_t(id)).status), uint256(SessionStatus.Closed), "closed");
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionWrongStatus.selector, id, SessionStatus.Closed));
        sessions.close(_t(id));
        // The pending settlement still runs its window and pays out.
        vm.warp(block.timestamp + WINDOW + 1);
        sessions.release(_t(id));
        assertEq(sessions.claimable(alice.account, address(usdc)), 30 * SPRICE - 30 * SPRICE / 100, "paid");
    }

    function test_close_revertsOnNotProvider() public {
        bytes32 id = _open(ESCROW);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionNotProvider.selector, id, sclient, alice.account));
        sessions.close(_t(id));
    }

    function test_reclaim_returnsUnspentAfterGrace() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 30 * SPRICE, 30);
        vm.warp(_expiry(id) + GRACE + 1);
        uint256 before = usdc.balanceOf(sclient);
        vm.prank(sclient);
        assertEq(sessions.reclaim(_t(id)), ESCROW - 30 * SPRICE, "refund");
        assertEq(usdc.balanceOf(sclient), before + ESCROW - 30 * SPRICE, "paid back");
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionWrongStatus.selector, id, SessionStatus.Closed));
        sessions.reclaim(_t(id));
    }

    function test_reclaim_revertsOnNotClient() public {
        bytes32 id = _open(ESCROW);
        vm.warp(_expiry(id) + GRACE + 1);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionNotClient.selector, id, alice.account, sclient));
        sessions.reclaim(_t(id));
    }

    function test_reclaim_immediateAfterSlash() public {
        (bytes32 id,) = _upheld();
        vm.prank(sclient);
        assertEq(sessions.reclaim(_t(id)), ESCROW - 10 * SPRICE, "unspent back at once");
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionWrongStatus.selector, id, SessionStatus.Slashed));
        sessions.reclaim(_t(id));
    }

    // ================================================================== disputes

    /// @dev A session with 10 requests settled (0.1 USDC, 1 token of collateral) and request 3 disputed.
    function _disputed() internal returns (bytes32 id, bytes32 disputeId) {
        id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        bytes memory att = _attest(alice.signerKey, id, 3, IN, OUT);
        vm.prank(challenger);
        disputeId = sessions.disputeRequest(_t(id), 3, IN, OUT, att, "ipfs://evidence");
    }

    function _upheld() internal returns (bytes32 id, bytes32 disputeId) {
        (id, disputeId) = _disputed();
        SessionTerms memory dt1 = _dt(disputeId);
        vm.prank(arbitrator);
        sessions.resolveDispute(dt1, disputeId, Outcome.Upheld, "wrong");
    }

    function test_disputeRequest_postsBondAndBlocksRelease() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        bytes memory att = _attest(alice.signerKey, id, 9, IN, OUT);
        bytes32 expected = keccak256(abi.encode(id, uint64(9)));
        vm.expectEmit(address(sessions));
        emit SessionRequestDisputed(expected, id, challenger, 9, IN, OUT, SBOND, block.timestamp + RESOLUTION, "e");
        vm.prank(challenger);
        bytes32 disputeId = sessions.disputeRequest(_t(id), 9, IN, OUT, att, "e");
        assertEq(disputeId, expected, "id");
        SessionDispute memory d = sessions.sessionDispute(disputeId);
        assertEq(uint256(d.status), uint256(DisputeStatus.Open), "open");
        assertEq(d.bond, SBOND, "bond");
        assertEq(sessions.session(_t(id)).openDisputes, 1, "counted");
    }

    function test_disputeRequest_revertsOnUnsettledOrReleasedRequest() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        bytes memory att = _attest(alice.signerKey, id, 10, IN, OUT);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(SessionRequestNotDisputable.selector, id, 10, 0, 10));
        sessions.disputeRequest(_t(id), 10, IN, OUT, att, "");
        vm.warp(block.timestamp + WINDOW + 1);
        sessions.release(_t(id));
        _settle(id, 20 * SPRICE, 20);
        att = _attest(alice.signerKey, id, 9, IN, OUT);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(SessionRequestNotDisputable.selector, id, 9, 10, 20));
        sessions.disputeRequest(_t(id), 9, IN, OUT, att, "");
    }

    function test_disputeRequest_windowBoundary() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        uint256 unlockAt = block.timestamp + WINDOW;
        vm.warp(unlockAt + 1);
        bytes memory att = _attest(alice.signerKey, id, 1, IN, OUT);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(SessionChallengeWindowClosed.selector, id, unlockAt, unlockAt + 1));
        sessions.disputeRequest(_t(id), 1, IN, OUT, att, "");
        vm.warp(unlockAt); // the last second of the window
        vm.prank(challenger);
        sessions.disputeRequest(_t(id), 1, IN, OUT, att, "");
    }

    function test_disputeRequest_revertsByProviderOrItsSigner() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        bytes memory att = _attest(alice.signerKey, id, 1, IN, OUT);
        _fundSessions(alice.account, 100 * USDC);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeByProvider.selector, id, alice.account));
        sessions.disputeRequest(_t(id), 1, IN, OUT, att, "");
        vm.prank(alice.signer);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeByProvider.selector, id, alice.signer));
        sessions.disputeRequest(_t(id), 1, IN, OUT, att, "");
    }

    function test_disputeRequest_revertsOnSecondDisputeOfARequest() public {
        (bytes32 id, bytes32 disputeId) = _disputed();
        bytes memory att = _attest(alice.signerKey, id, 3, IN, OUT);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeExists.selector, disputeId));
        sessions.disputeRequest(_t(id), 3, IN, OUT, att, "");
    }

    function test_disputeRequest_revertsOnForgedAttestation() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        uint256 key = uint256(keccak256("forger"));
        bytes memory att = _attest(key, id, 1, IN, OUT);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(SessionAttestationWrongSigner.selector, id, vm.addr(key)));
        sessions.disputeRequest(_t(id), 1, IN, OUT, att, "");
    }

    /// @dev A key the provider retired before the session opened is not evidence against it (a stolen old key
    ///      cannot frame it); a key rotated in during the session is.
    function test_disputeRequest_signerEpochs() public {
        uint256 oldKey = alice.signerKey;
        uint256 newKey = uint256(keccak256("alice new signer"));
        vm.prank(alice.account);
        market.updateProvider(vm.addr(newKey), "https://provider.example");
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        bytes memory stale = _attest(oldKey, id, 1, IN, OUT);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(SessionAttestationWrongSigner.selector, id, vm.addr(oldKey)));
        sessions.disputeRequest(_t(id), 1, IN, OUT, stale, "");
        bytes memory current = _attest(newKey, id, 1, IN, OUT);
        uint256 newerKey = uint256(keccak256("alice newer signer"));
        vm.prank(alice.account);
        market.updateProvider(vm.addr(newerKey), "https://provider.example"); // rotated after: still evidence
        vm.prank(challenger);
        sessions.disputeRequest(_t(id), 1, IN, OUT, current, "");
    }

    function test_resolveDispute_upheldSlashesRefundsAndFreezes() public {
        (bytes32 id, bytes32 disputeId) = _disputed();
        uint256 coll = _coll(10 * SPRICE);
        uint256 stakedBefore = market.provider(alice.account).staked;
        SessionTerms memory dt2 = _dt(disputeId);
        vm.prank(arbitrator);
        sessions.resolveDispute(dt2, disputeId, Outcome.Upheld, "wrong");
        Session memory s = sessions.session(_t(id));
        assertEq(uint256(s.status), uint256(SessionStatus.Slashed), "slashed");
        assertEq(s.collateral, 0, "collateral gone");
        assertEq(market.provider(alice.account).staked, stakedBefore - coll, "stake slashed");
        assertEq(market.claimable(challenger, address(token)), coll / 2, "challenger share of the slash");
        uint256 fee = SBOND * 3 / 10; // disputeFeeBps 3,000
        assertEq(sessions.claimable(challenger, address(usdc)), SBOND - fee, "bond back less the fee");
        assertEq(sessions.claimable(sclient, address(usdc)), 10 * SPRICE, "client refunded the pending settlement");
        (, uint256 arbitrationFees) = sessions.feesAccrued(address(usdc));
        assertEq(arbitrationFees, fee, "fee");
        assertEq(uint256(sessions.sessionDispute(disputeId).status), uint256(DisputeStatus.Upheld), "status");
    }

    function test_resolveDispute_rejectedPaysProvider() public {
        (bytes32 id, bytes32 disputeId) = _disputed();
        SessionTerms memory dt3 = _dt(disputeId);
        vm.prank(arbitrator);
        sessions.resolveDispute(dt3, disputeId, Outcome.Rejected, "right");
        assertEq(sessions.claimable(alice.account, address(usdc)), SBOND - SBOND * 3 / 10, "bond less fee to provider");
        assertEq(sessions.session(_t(id)).openDisputes, 0, "closed");
        vm.warp(block.timestamp + WINDOW + 1);
        sessions.release(_t(id));
        assertEq(_poolUsed(alice.account), 0, "released to the pool");
    }

    function test_resolveDispute_drawReturnsBondLessFee() public {
        (, bytes32 disputeId) = _disputed();
        SessionTerms memory dt4 = _dt(disputeId);
        vm.prank(arbitrator);
        sessions.resolveDispute(dt4, disputeId, Outcome.Draw, "unclear");
        assertEq(sessions.claimable(challenger, address(usdc)), SBOND - SBOND * 3 / 10, "bond less fee back");
    }

    function test_resolveDispute_restrictedToArbitrator() public {
        (, bytes32 disputeId) = _disputed();
        SessionTerms memory dt5 = _dt(disputeId);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        sessions.resolveDispute(dt5, disputeId, Outcome.Upheld, "");
    }

    function test_resolveDispute_revertsAfterDeadlineAndWhenNotOpen() public {
        (, bytes32 disputeId) = _disputed();
        uint256 deadline = block.timestamp + RESOLUTION;
        vm.warp(deadline + 1);
        SessionTerms memory dt6 = _dt(disputeId);
        vm.prank(arbitrator);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeResolutionClosed.selector, disputeId, deadline, deadline + 1));
        sessions.resolveDispute(dt6, disputeId, Outcome.Upheld, "");
        SessionTerms memory none = _dt(bytes32(0));
        vm.prank(arbitrator);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeNotOpen.selector, bytes32(0), DisputeStatus.None));
        sessions.resolveDispute(none, bytes32(0), Outcome.Upheld, "");
    }

    function test_cancelDispute_refundsAfterDeadline() public {
        (bytes32 id, bytes32 disputeId) = _disputed();
        uint256 deadline = block.timestamp + RESOLUTION;
        vm.warp(deadline);
        SessionTerms memory dt7 = _dt(disputeId);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeResolutionPending.selector, disputeId, deadline, deadline));
        sessions.cancelDispute(dt7, disputeId);
        vm.warp(deadline + 1);
        SessionTerms memory dt8 = _dt(disputeId);
        sessions.cancelDispute(dt8, disputeId);
        assertEq(sessions.claimable(challenger, address(usdc)), SBOND, "whole bond back");
        assertEq(sessions.claimable(sclient, address(usdc)), 10 * SPRICE, "pending refunded");
        vm.expectRevert(abi.encodeWithSelector(SessionNothingToRelease.selector, id)); // refunded, nothing pending
        sessions.release(_t(id));
        assertEq(_poolUsed(alice.account), 0, "collateral back in the pool, not slashed");
        assertEq(_moduleLocked(alice.account), _coll(10 * SPRICE), "idle in the pool");
        assertEq(market.provider(alice.account).staked, STAKE, "no slash");
        SessionTerms memory dt9 = _dt(disputeId);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeNotOpen.selector, disputeId, DisputeStatus.Cancelled));
        sessions.cancelDispute(dt9, disputeId);
    }

    // ================================================================== equivocation

    function _att(uint256 key, bytes32 id, uint64 index, bytes32 output)
        internal
        view
        returns (SignedAttestation memory a)
    {
        a = SignedAttestation({
            model: modelId, inputHash: IN, outputHash: output, signature: _attest(key, id, index, IN, output)
        });
    }

    function test_reportEquivocation_slashesAndRefunds() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 10 * SPRICE, 10);
        uint256 coll = _coll(10 * SPRICE);
        SignedAttestation memory a = _att(alice.signerKey, id, 4, OUT);
        SignedAttestation memory b = _att(alice.signerKey, id, 4, OUT_B);
        vm.expectEmit(address(sessions));
        emit SessionEquivocationProven(id, 4, stranger, coll, 10 * SPRICE);
        vm.prank(stranger);
        sessions.reportEquivocation(_t(id), 4, a, b);
        assertEq(uint256(sessions.session(_t(id)).status), uint256(SessionStatus.Slashed), "slashed");
        assertEq(market.claimable(stranger, address(token)), coll / 2, "reporter share");
        assertEq(sessions.claimable(sclient, address(usdc)), 10 * SPRICE, "client refunded");
        vm.expectRevert(abi.encodeWithSelector(SessionWrongStatus.selector, id, SessionStatus.Slashed));
        sessions.reportEquivocation(_t(id), 4, a, b);
    }

    function test_reportEquivocation_revertsOnSameAttestation() public {
        bytes32 id = _open(ESCROW);
        SignedAttestation memory a = _att(alice.signerKey, id, 4, OUT);
        vm.expectRevert(abi.encodeWithSelector(SessionEquivocationSameAttestation.selector, id, 4));
        sessions.reportEquivocation(_t(id), 4, a, a);
    }

    function test_reportEquivocation_revertsOnForgedSecond() public {
        bytes32 id = _open(ESCROW);
        uint256 key = uint256(keccak256("forger"));
        SignedAttestation memory a = _att(alice.signerKey, id, 4, OUT);
        SignedAttestation memory b = _att(key, id, 4, OUT_B);
        vm.expectRevert(abi.encodeWithSelector(SessionAttestationWrongSigner.selector, id, vm.addr(key)));
        sessions.reportEquivocation(_t(id), 4, a, b);
    }

    function test_reportEquivocation_differentIndexesAreNotEquivocation() public {
        bytes32 id = _open(ESCROW);
        // B signed for index 5, reported as index 4: its digest differs, so it recovers another address.
        SignedAttestation memory a = _att(alice.signerKey, id, 4, OUT);
        SignedAttestation memory b = _att(alice.signerKey, id, 5, OUT_B);
        vm.expectRevert();
        sessions.reportEquivocation(_t(id), 4, a, b);
    }

    function test_reportEquivocation_revertsOnClosedSessionWithNothingAtStake() public {
        bytes32 id = _open(ESCROW);
        vm.prank(alice.account);
        sessions.close(_t(id));
        SignedAttestation memory a = _att(alice.signerKey, id, 4, OUT);
        SignedAttestation memory b = _att(alice.signerKey, id, 4, OUT_B);
        vm.expectRevert(abi.encodeWithSelector(SessionNothingAtStake.selector, id));
        sessions.reportEquivocation(_t(id), 4, a, b);
    }

    // ================================================================== terms in calldata

    /// @dev The terms are not stored: a caller who changes any of them addresses another (unknown) session. A client
    ///      who claims a larger escrow to reclaim more, or a provider who raises the price, finds nothing.
    function test_forgedTerms_addressNoSession() public {
        bytes32 id = _open(ESCROW);
        SessionTerms memory richer = _t(id);
        richer.amount = ESCROW * 2;
        bytes32 forged = sessions.sessionIdOf(richer);
        vm.warp(_expiry(id) + GRACE + 1);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionUnknown.selector, forged));
        sessions.reclaim(richer);

        bytes32 id2 = _open(ESCROW);
        SessionTerms memory pricier = _t(id2);
        pricier.maxPrice = SPRICE * 10;
        bytes memory sig = _voucher(id2, 10 * SPRICE, 1);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionUnknown.selector, sessions.sessionIdOf(pricier)));
        sessions.settle(pricier, 10 * SPRICE, 1, sig);
    }

    function test_open_revertsOnRetiredModule() public {
        market.setModule(address(sessions), false);
        OpenParams memory p = _params(ESCROW);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(sessions)));
        _openWith(p);
    }

    // ================================================================== collateral pool

    function test_lockCollateral_locksInMarketForThePool() public {
        vm.expectEmit(address(sessions));
        emit SessionCollateralLocked(alice.account, 5e18, 5e18);
        vm.prank(alice.account);
        sessions.lockCollateral(5e18);
        assertEq(_moduleLocked(alice.account), 5e18, "locked in market");
        assertEq(sessions.collateralPool(alice.account).locked, 5e18, "pool");
        assertEq(_poolUsed(alice.account), 0, "idle");
    }

    function test_lockCollateral_revertsOnZeroAndBeyondAllowance() public {
        vm.prank(alice.account);
        vm.expectRevert(SessionAmountZero.selector);
        sessions.lockCollateral(0);
        vm.prank(alice.account);
        vm.expectRevert(
            abi.encodeWithSelector(
                ModuleAllowanceExceeded.selector, address(sessions), alice.account, uint256(STAKE) + 1, uint256(STAKE)
            )
        );
        sessions.lockCollateral(uint96(STAKE) + 1);
    }

    /// @dev Settling draws on the idle pool: no market lock when it suffices, only the shortfall when it does not.
    function test_settle_drawsOnThePoolAndLocksOnlyTheShortfall() public {
        uint256 amount = 100 * SPRICE;
        vm.prank(alice.account);
        sessions.lockCollateral(uint96(_coll(amount) / 4));
        bytes32 id = _open(ESCROW);
        _settle(id, amount / 4, 25); // covered by the pool
        assertEq(_moduleLocked(alice.account), _coll(amount) / 4, "no new market lock");
        assertEq(_poolUsed(alice.account), _coll(amount / 4), "used");
        _settle(id, amount, 100); // the pool is short by 3/4
        assertEq(_moduleLocked(alice.account), _coll(amount), "shortfall locked");
        assertEq(sessions.collateralPool(alice.account).locked, _coll(amount), "pool mirrors the market");
        assertEq(_poolUsed(alice.account), _coll(amount), "all used");
        assertEq(sessions.session(_t(id)).collateral, _coll(amount), "session collateral");
    }

    /// @dev The provider unlocks exactly the idle part, not one unit more (what backs pending settlements stays).
    function test_unlockCollateral_onlyTheIdlePart() public {
        vm.prank(alice.account);
        sessions.lockCollateral(uint96(_coll(100 * SPRICE)));
        bytes32 id = _open(ESCROW);
        _settle(id, 40 * SPRICE, 40);
        uint256 idle = _coll(60 * SPRICE);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionCollateralNotIdle.selector, alice.account, idle + 1, idle));
        sessions.unlockCollateral(uint96(idle + 1));
        vm.prank(alice.account);
        vm.expectRevert(SessionAmountZero.selector);
        sessions.unlockCollateral(0);
        vm.expectEmit(address(sessions));
        emit SessionCollateralUnlocked(alice.account, idle, _coll(40 * SPRICE));
        vm.prank(alice.account);
        sessions.unlockCollateral(uint96(idle));
        assertEq(_moduleLocked(alice.account), _coll(40 * SPRICE), "what backs the settlement stays");
        assertEq(market.provider(alice.account).locked, _coll(40 * SPRICE), "provider");
    }

    /// @dev An upheld dispute slashes the session's collateral out of the pool and the market alike; the idle rest
    ///      of the pool is untouched.
    function test_slash_takesTheSessionCollateralFromThePool() public {
        vm.prank(alice.account);
        sessions.lockCollateral(uint96(_coll(100 * SPRICE)));
        _upheld(); // settled 10 requests
        assertEq(_poolUsed(alice.account), 0, "nothing pending");
        assertEq(sessions.collateralPool(alice.account).locked, _coll(90 * SPRICE), "pool less the slash");
        assertEq(_moduleLocked(alice.account), _coll(90 * SPRICE), "market less the slash");
        assertEq(market.provider(alice.account).staked, STAKE - _coll(10 * SPRICE), "slashed");
    }

    // ================================================================== the dispute half

    function test_disputeFunctions_revertAtTheirOwnAddress() public {
        (bytes32 id, bytes32 disputeId) = _disputed();
        IPaymentSessionsDisputes code = IPaymentSessionsDisputes(sessions.disputes());
        vm.expectRevert(SessionNotDelegated.selector);
        code.cancelDispute(_t(id), disputeId);
    }

    function test_resolveDispute_revertsOnTermsOfAnotherSession() public {
        (bytes32 id, bytes32 disputeId) = _disputed();
        bytes32 other = _open(ESCROW);
        SessionTerms memory wrong = _t(other);
        vm.prank(arbitrator);
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeOfAnotherSession.selector, disputeId, id, other));
        sessions.resolveDispute(wrong, disputeId, Outcome.Upheld, "");
        vm.expectRevert(abi.encodeWithSelector(SessionDisputeOfAnotherSession.selector, disputeId, id, other));
        sessions.cancelDispute(wrong, disputeId);
    }
}
