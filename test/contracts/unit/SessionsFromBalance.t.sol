// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarketTypes, ISessionFundingReceiver} from "../../../contracts/interfaces/IJobMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {SessionsFixture} from "../utils/SessionsFixture.sol";

/// @dev An active module that is not a session module: it answers every call with nothing.
contract SilentModule {
    fallback() external {}
}

/// @dev An active module that answers `onSessionFunded` with a wrong magic value (and keeps what it was sent).
contract WrongMagicModule {
    function onSessionFunded(address, address, bytes32, address, uint96, IJobMarketTypes.SessionQuote calldata, bytes calldata)
        external
        pure
        returns (bytes4, bytes32)
    {
        return (bytes4(0xdeadbeef), bytes32(uint256(1)));
    }
}

/// @notice Unit tests of the session paths added for issue 12's gas target: the market's one-call quote
///         (`sessionQuote`), opening from the client's market balance (`IJobMarket.openSessionFromBalance` →
///         `PaymentSessions.onSessionFunded`), the provider's cooperative close (`settleAndClose`), and the opening
///         block kept in the session's state (`openedBlock`). Tree: test/contracts/tree/Sessions.tree.
contract SessionsFromBalanceTest is SessionsFixture {
    uint256 internal constant DEPOSIT = 100 * USDC;

    function setUp() public override {
        super.setUp();
        _fundClient(sclient, DEPOSIT);
        vm.prank(sclient);
        market.deposit(address(usdc), DEPOSIT);
    }

    function _data(OpenParams memory p) internal pure returns (bytes memory) {
        return abi.encode(p.pricing, p.maxPrice, p.expiry, p.signer, p.nonce);
    }

    /// @dev Opens `p` from `who`'s market balance; remembers the terms (as `open` would have fixed them).
    function _openFromBalance(address who, OpenParams memory p) internal returns (bytes32 id) {
        vm.prank(who);
        id = market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, p.amount, _data(p));
    }

    function _expectedTerms(address client, OpenParams memory p) internal view returns (SessionTerms memory) {
        (IJobMarketTypes.Params memory params,) = market.params();
        return SessionTerms({
            client: client,
            provider: p.provider,
            token: p.token,
            model: p.model,
            pricing: p.pricing,
            maxPrice: p.maxPrice,
            amount: p.amount,
            signer: p.signer,
            nonce: p.nonce,
            signerEpoch: market.provider(p.provider).signerEpoch,
            protocolFeeBps: params.protocolFeeBps,
            collateralRatioBps: params.collateralRatioBps,
            challengeWindow: params.challengeWindow,
            stakeRate: market.paymentToken(p.token).stakeRate
        });
    }

    // ================================================================== sessionQuote

    function test_sessionQuote_returnsWhatOpenReads() public view {
        IJobMarketTypes.SessionQuote memory q =
            market.sessionQuote(address(sessions), alice.account, modelId, address(usdc));
        (IJobMarketTypes.Params memory params,) = market.params();
        assertTrue(q.moduleActive, "module");
        assertTrue(q.tokenAllowed, "token");
        assertEq(q.stakeRate, market.paymentToken(address(usdc)).stakeRate, "rate");
        assertEq(q.signerEpoch, market.provider(alice.account).signerEpoch, "epoch");
        assertEq(q.protocolFeeBps, params.protocolFeeBps, "fee");
        assertEq(q.collateralRatioBps, params.collateralRatioBps, "ratio");
        assertEq(q.challengeWindow, params.challengeWindow, "window");
        IJobMarketTypes.Offer memory o = market.offer(alice.account, modelId);
        assertEq(q.offer.token, o.token, "offer token");
        assertEq(q.offer.price, o.price, "offer price");
        assertEq(q.offer.active, o.active, "offer active");
        // Unknown parties quote as inactive, never revert.
        q = market.sessionQuote(stranger, stranger, modelId, stranger);
        assertFalse(q.moduleActive || q.tokenAllowed || q.offer.active, "unknown");
    }

    function test_sessionQuote_followsParameterChanges() public {
        (IJobMarketTypes.Params memory params,) = market.params();
        params.protocolFeeBps = 250;
        params.collateralRatioBps = 50_000;
        market.setParams(params);
        IJobMarketTypes.SessionQuote memory q =
            market.sessionQuote(address(sessions), alice.account, modelId, address(usdc));
        assertEq(q.protocolFeeBps, 250, "fee");
        assertEq(q.collateralRatioBps, 50_000, "ratio");
        // A session opened now fixes the new values in its terms.
        bytes32 id = _open(ESCROW);
        assertEq(_t(id).protocolFeeBps, 250, "terms fee");
        assertEq(_t(id).collateralRatioBps, 50_000, "terms ratio");
    }

    // ================================================================== openSessionFromBalance

    function test_openSessionFromBalance_movesTheBalanceAndOpens() public {
        OpenParams memory p = _params(ESCROW);
        SessionTerms memory t = _expectedTerms(sclient, p);
        bytes32 expected = sessions.sessionIdOf(t);
        uint256 wallet = usdc.balanceOf(sclient);
        uint256 held = usdc.balanceOf(address(sessions));
        uint256 marketHeld = usdc.balanceOf(address(market));
        vm.expectEmit(address(market));
        emit SessionFundedFromBalance(sclient, address(sessions), address(usdc), ESCROW);
        vm.expectEmit(address(sessions));
        emit SessionOpened(expected, sclient, alice.account, t, p.expiry);
        bytes32 id = _openFromBalance(sclient, p);
        assertEq(id, expected, "id");
        assertEq(market.claimable(sclient, address(usdc)), DEPOSIT - ESCROW, "balance debited");
        assertEq(usdc.balanceOf(sclient), wallet, "wallet untouched");
        assertEq(usdc.balanceOf(address(sessions)), held + ESCROW, "escrow at the module");
        assertEq(usdc.balanceOf(address(market)), marketHeld - ESCROW, "left the market");
        (SessionState memory s,,) = sessions.sessionState(id);
        assertEq(uint256(s.status), uint256(SessionStatus.Open), "open");
        assertEq(s.expiry, p.expiry, "expiry");
        assertEq(s.openedBlock, block.number, "opened block");
        // The session is a session like any other: vouchers settle, the client reclaims the rest.
        terms[id] = t;
        _settle(id, 30 * SPRICE, 30);
        vm.warp(uint256(p.expiry) + GRACE + 1);
        vm.prank(sclient);
        assertEq(sessions.reclaim(t), ESCROW - 30 * SPRICE, "reclaimed");
        assertEq(usdc.balanceOf(sclient), wallet + ESCROW - 30 * SPRICE, "to the wallet");
    }

    function test_openSessionFromBalance_sameSessionAsOpen() public {
        // The same parameters opened either way give the same terms; the second open is refused as a duplicate.
        OpenParams memory p = _params(ESCROW);
        bytes32 id = _openFromBalance(sclient, p);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionAlreadyExists.selector, id));
        sessions.open(p);
    }

    function test_openSessionFromBalance_revertsOnAmountZero() public {
        OpenParams memory p = _params(0);
        vm.prank(sclient);
        vm.expectRevert(AmountZero.selector);
        market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, 0, _data(p));
    }

    function test_openSessionFromBalance_revertsWhenPaused() public {
        _pause();
        OpenParams memory p = _params(ESCROW);
        vm.prank(sclient);
        vm.expectRevert(EnforcedPause.selector);
        market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, p.amount, _data(p));
    }

    function test_openSessionFromBalance_revertsOnInactiveModule() public {
        OpenParams memory p = _params(ESCROW);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, stranger));
        market.openSessionFromBalance(stranger, p.provider, p.model, p.token, p.amount, _data(p));
        // A retired module is refused by the market before anything moves.
        market.setModule(address(sessions), false);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(sessions)));
        market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, p.amount, _data(p));
        assertEq(market.claimable(sclient, address(usdc)), DEPOSIT, "untouched");
    }

    function test_openSessionFromBalance_revertsBeyondTheCallersOwnBalance() public {
        OpenParams memory p = _params(uint96(DEPOSIT + 1));
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(ClaimExceedsBalance.selector, sclient, address(usdc), DEPOSIT + 1, DEPOSIT));
        market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, p.amount, _data(p));
        // The exact balance is enough (the boundary's other side).
        p.amount = uint96(DEPOSIT);
        _openFromBalance(sclient, p);
        assertEq(market.claimable(sclient, address(usdc)), 0, "all of it");
    }

    function test_openSessionFromBalance_cannotSpendAnotherAccountsBalance() public {
        // The attacker names the victim's session parameters, but the market only ever debits the caller: the
        // attacker has no balance, so nothing moves; and what it opens with its own balance is its own session.
        OpenParams memory p = _params(ESCROW);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ClaimExceedsBalance.selector, stranger, address(usdc), ESCROW, 0));
        market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, p.amount, _data(p));
        assertEq(market.claimable(sclient, address(usdc)), DEPOSIT, "victim untouched");
    }

    function test_openSessionFromBalance_revertsOnModuleThatIsNotASessionModule() public {
        SilentModule silent = new SilentModule();
        WrongMagicModule wrong = new WrongMagicModule();
        market.setModule(address(silent), true);
        market.setModule(address(wrong), true);
        OpenParams memory p = _params(ESCROW);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotSessionReceiver.selector, address(silent)));
        market.openSessionFromBalance(address(silent), p.provider, p.model, p.token, p.amount, _data(p));
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotSessionReceiver.selector, address(wrong)));
        market.openSessionFromBalance(address(wrong), p.provider, p.model, p.token, p.amount, _data(p));
        // A verifier module (active, with no such function) cannot take a client's balance either.
        vm.prank(sclient);
        vm.expectRevert();
        market.openSessionFromBalance(address(verifier), p.provider, p.model, p.token, p.amount, _data(p));
        assertEq(market.claimable(sclient, address(usdc)), DEPOSIT, "untouched");
        assertEq(usdc.balanceOf(address(silent)) + usdc.balanceOf(address(wrong)), 0, "nothing sent");
    }

    function test_openSessionFromBalance_bubblesTheModulesErrors() public {
        OpenParams memory p = _params(ESCROW);
        p.maxPrice = PRICE + 1;
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionPriceAboveOffer.selector, alice.account, modelId, PRICE + 1, PRICE));
        market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, p.amount, _data(p));
        p = _params(ESCROW);
        p.expiry = uint40(block.timestamp);
        vm.prank(sclient);
        vm.expectRevert(
            abi.encodeWithSelector(SessionExpiryOutOfRange.selector, block.timestamp, block.timestamp + 1, block.timestamp + 30 days)
        );
        market.openSessionFromBalance(address(sessions), p.provider, p.model, p.token, p.amount, _data(p));
        assertEq(market.claimable(sclient, address(usdc)), DEPOSIT, "undone");
    }

    function test_onSessionFunded_revertsUnlessTheMarketCalls() public {
        OpenParams memory p = _params(ESCROW);
        IJobMarketTypes.SessionQuote memory q =
            market.sessionQuote(address(sessions), alice.account, modelId, address(usdc));
        // A forged call would open a session backed by nothing.
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionNotMarket.selector, sclient));
        sessions.onSessionFunded(sclient, p.provider, p.model, p.token, p.amount, q, _data(p));
        assertEq(ISessionFundingReceiver.onSessionFunded.selector, sessions.onSessionFunded.selector, "one selector");
    }

    // ================================================================== settleAndClose

    function test_settleAndClose_settlesAndRefundsAtOnce() public {
        bytes32 id = _open(ESCROW);
        uint256 wallet = usdc.balanceOf(sclient);
        bytes memory sig = _voucher(id, 40 * SPRICE, 40);
        vm.expectEmit(address(sessions));
        emit SessionSettled(id, 40 * SPRICE, 40, block.timestamp + WINDOW);
        vm.expectEmit(address(sessions));
        emit SessionClosed(id, alice.account, ESCROW - 40 * SPRICE);
        vm.prank(alice.account);
        assertEq(sessions.settleAndClose(_t(id), 40 * SPRICE, 40, sig), ESCROW - 40 * SPRICE, "refund");
        assertEq(usdc.balanceOf(sclient), wallet + ESCROW - 40 * SPRICE, "sent, not credited");
        assertEq(sessions.claimable(sclient, address(usdc)), 0, "nothing to claim");
        (SessionState memory s,,) = sessions.sessionState(id);
        assertEq(uint256(s.status), uint256(SessionStatus.Closed), "closed");
        assertEq(s.settled, 40 * SPRICE, "settled");
        assertEq(_poolUsed(alice.account), _coll(40 * SPRICE), "collateral backs it");
        // No reclaim, no second refund; the settlement keeps its window, then pays the provider.
        vm.warp(uint256(s.expiry) + GRACE + 1);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionWrongStatus.selector, id, SessionStatus.Closed));
        sessions.reclaim(_t(id));
        sessions.release(_t(id));
        assertEq(sessions.claimable(alice.account, address(usdc)), 40 * SPRICE - 40 * SPRICE / 100, "paid");
        assertEq(_poolUsed(alice.account), 0, "collateral idle");
    }

    function test_settleAndClose_keepsTheSettlementDisputable() public {
        bytes32 id = _open(ESCROW);
        bytes memory sig = _voucher(id, 10 * SPRICE, 10);
        vm.prank(alice.account);
        sessions.settleAndClose(_t(id), 10 * SPRICE, 10, sig);
        bytes32 out = keccak256("wrong");
        bytes memory att = _attest(alice.signerKey, id, 3, keccak256("in"), out);
        vm.prank(challenger);
        bytes32 disputeId = sessions.disputeRequest(_t(id), 3, keccak256("in"), out, att, "wrong answer");
        assertEq(uint256(sessions.sessionDispute(disputeId).status), uint256(DisputeStatus.Open), "disputed");
    }

    function test_settleAndClose_revertsOnNotProvider() public {
        bytes32 id = _open(ESCROW);
        bytes memory sig = _voucher(id, SPRICE, 1);
        vm.prank(sclient);
        vm.expectRevert(abi.encodeWithSelector(SessionNotProvider.selector, id, sclient, alice.account));
        sessions.settleAndClose(_t(id), SPRICE, 1, sig);
    }

    function test_settleAndClose_revertsOnTheVoucherErrors() public {
        bytes32 id = _open(ESCROW);
        _settle(id, 5 * SPRICE, 5);
        bytes memory sig = _voucher(id, 5 * SPRICE, 5);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherNotIncreasing.selector, id, 5 * SPRICE, 5 * SPRICE));
        sessions.settleAndClose(_t(id), 5 * SPRICE, 5, sig);
        sig = _voucher(id, ESCROW + 1, 2_000);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherAboveEscrow.selector, id, ESCROW + 1, ESCROW));
        sessions.settleAndClose(_t(id), ESCROW + 1, 2_000, sig);
        uint256 strangerKey = uint256(keccak256("not the client"));
        sig = _sig(strangerKey, sessions.voucherDigest(id, 6 * SPRICE, 6));
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionVoucherWrongSigner.selector, id, vm.addr(strangerKey)));
        sessions.settleAndClose(_t(id), 6 * SPRICE, 6, sig);
    }

    function test_settleAndClose_deadlineBoundary() public {
        bytes32 id = _open(ESCROW);
        uint256 deadline = _expiry(id) + GRACE;
        bytes memory sig = _voucher(id, SPRICE, 1);
        vm.warp(deadline + 1);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionSettlementClosed.selector, id, deadline, deadline + 1));
        sessions.settleAndClose(_t(id), SPRICE, 1, sig);
        vm.warp(deadline); // the last second allowed
        vm.prank(alice.account);
        sessions.settleAndClose(_t(id), SPRICE, 1, sig);
        sig = _voucher(id, 2 * SPRICE, 2);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(SessionIsClosed.selector, id));
        sessions.settleAndClose(_t(id), 2 * SPRICE, 2, sig);
    }

    function test_settleAndClose_revertsOnBlockedClient() public {
        // A client the token refuses blocks only this shortcut: settle and close still end the session.
        bytes32 id = _open(ESCROW);
        usdc.blocklist(sclient);
        bytes memory sig = _voucher(id, SPRICE, 1);
        vm.prank(alice.account);
        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, sclient));
        sessions.settleAndClose(_t(id), SPRICE, 1, sig);
        _settle(id, SPRICE, 1);
        vm.prank(alice.account);
        assertEq(sessions.close(_t(id)), ESCROW - SPRICE, "credited instead");
    }

    // ================================================================== openedBlock

    function test_open_recordsTheOpeningBlock() public {
        vm.roll(12_345);
        bytes32 id = _open(ESCROW);
        (SessionState memory s,,) = sessions.sessionState(id);
        assertEq(s.openedBlock, 12_345, "block");
        // Later writes keep it.
        vm.roll(12_400);
        _settle(id, SPRICE, 1);
        (s,,) = sessions.sessionState(id);
        assertEq(s.openedBlock, 12_345, "kept");
    }
}
