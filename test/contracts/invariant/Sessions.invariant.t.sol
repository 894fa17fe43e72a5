// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarket, IJobMarketTypes} from "../../../contracts/interfaces/IJobMarket.sol";
import {IPaymentSessions, IPaymentSessionsTypes} from "../../../contracts/interfaces/IPaymentSessions.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {ModelId} from "../../../contracts/types/Ids.sol";
import {SessionsFixture} from "../utils/SessionsFixture.sol";
import {Test} from "../utils/Test.sol";

/// @notice Drives PaymentSessions through random interleavings of every entry point, with bounded inputs, and keeps
///         ghost records of what the client signed and what was settled. Calls the contract refuses are tolerated
///         (try/catch), as an attacker's would be; an accepted call that breaks a rule is recorded and fails the run.
contract SessionsHandler is Test, IPaymentSessionsTypes {
    struct Config {
        IJobMarket market;
        IPaymentSessions sessions;
        MockUSDC usdc;
        ModelId model;
        uint256 clientKey;
        address provider;
        uint256 signerKey;
        address challenger;
        address arbitrator;
    }

    struct Voucher {
        uint256 amount;
        uint64 count;
        bytes sig;
    }

    IJobMarket internal immutable market;
    IPaymentSessions internal immutable sessions;
    MockUSDC internal immutable usdc;
    ModelId internal immutable model;
    uint256 internal immutable clientKey;
    address internal immutable client;
    address internal immutable provider;
    uint256 internal immutable signerKey;
    address internal immutable challenger;
    address internal immutable arbitrator;
    address internal immutable reporter = address(0xBEEF);

    bytes32[] public ids;
    /// @dev The terms `open` returned, by id (the contract does not store them).
    mapping(bytes32 => SessionTerms) internal terms;
    mapping(bytes32 disputeId => bytes32 sessionId) internal disputedSession;
    bytes32[] public disputeIds;
    mapping(bytes32 => Voucher[]) internal signed;
    mapping(bytes32 => uint256) public maxSigned;
    mapping(bytes32 => uint256) public deposited;
    mapping(bytes32 => mapping(uint256 => uint256)) public settledTimes;
    mapping(bytes32 => uint64) internal nextIndex;
    address[] public actors;

    // Ghost flags: set when an accepted call broke a rule.
    bool public forgedAccepted;
    bool public reclaimShort;
    bool public fundedShort;
    bool public unlockedBusyCollateral;
    uint256 public calls;

    constructor(Config memory c) {
        market = c.market;
        sessions = c.sessions;
        usdc = c.usdc;
        model = c.model;
        clientKey = c.clientKey;
        client = vm.addr(c.clientKey);
        provider = c.provider;
        signerKey = c.signerKey;
        challenger = c.challenger;
        arbitrator = c.arbitrator;
        actors.push(client);
        actors.push(provider);
        actors.push(challenger);
        actors.push(reporter);
    }

    function sessionCount() external view returns (uint256) {
        return ids.length;
    }

    function disputeCount() external view returns (uint256) {
        return disputeIds.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function _t(bytes32 id) public view returns (SessionTerms memory) { // public: the invariants read them
        return terms[id];
    }

    function _dt(bytes32 disputeId) public view returns (SessionTerms memory) {
        return terms[disputedSession[disputeId]]; // no external call: a prank before it must reach the module
    }

    function _pick(uint256 seed) internal view returns (bytes32) {
        return ids[seed % ids.length];
    }

    // ------------------------------------------------------------------ actions

    function open(uint256 amountSeed, uint256 durationSeed, bool perToken) external {
        if (ids.length >= 8) return;
        calls++;
        uint96 amount = uint96(bound(amountSeed, 1, 1_000 * 1e6));
        OpenParams memory p = OpenParams({
            provider: provider,
            token: address(usdc),
            model: model,
            pricing: perToken ? Pricing.PerThousandTokens : Pricing.PerRequest,
            maxPrice: uint96(1e6 / 100),
            amount: amount,
            expiry: uint40(block.timestamp + bound(durationSeed, 1, 3 days)),
            signer: address(0),
            nonce: uint64(ids.length + 1)
        });
        vm.prank(client);
        try sessions.open(p) returns (bytes32 id, SessionTerms memory t) {
            ids.push(id);
            terms[id] = t;
            deposited[id] = amount;
        } catch {}
    }

    /// @dev The client opens a session from its market balance (deposited just before): the market moves exactly
    ///         the escrow to the module, and the session is like any other.
    function openFromBalance(uint256 amountSeed, uint256 durationSeed, bool perToken) external {
        if (ids.length >= 8) return;
        calls++;
        uint96 amount = uint96(bound(amountSeed, 1, 1_000 * 1e6));
        vm.prank(client);
        market.deposit(address(usdc), amount);
        uint256 balance = market.claimable(client, address(usdc));
        uint40 expiry = uint40(block.timestamp + bound(durationSeed, 1, 3 days));
        Pricing pricing = perToken ? Pricing.PerThousandTokens : Pricing.PerRequest;
        bytes memory data = abi.encode(pricing, uint96(1e6 / 100), expiry, address(0), uint64(ids.length + 1));
        IJobMarketTypes.SessionQuote memory q = market.sessionQuote(address(sessions), provider, model, address(usdc));
        SessionTerms memory t = SessionTerms({
            client: client,
            provider: provider,
            token: address(usdc),
            model: model,
            pricing: pricing,
            maxPrice: uint96(1e6 / 100),
            amount: amount,
            signer: address(0),
            nonce: uint64(ids.length + 1),
            signerEpoch: q.signerEpoch,
            protocolFeeBps: q.protocolFeeBps,
            collateralRatioBps: q.collateralRatioBps,
            challengeWindow: q.challengeWindow,
            stakeRate: q.stakeRate
        });
        vm.prank(client);
        try market.openSessionFromBalance(address(sessions), provider, model, address(usdc), amount, data) returns (bytes32 id) {
            if (market.claimable(client, address(usdc)) != balance - amount) fundedShort = true;
            if (id != sessions.sessionIdOf(t)) fundedShort = true; // the terms `open` would have fixed
            ids.push(id);
            terms[id] = t;
            deposited[id] = amount;
        } catch {}
    }

    /// @dev The provider's last settle, which closes the session and sends the client the unspent remainder.
    function settleAndClose(uint256 seed, uint256 voucherSeed) external {
        if (ids.length == 0) return;
        bytes32 id = _pick(seed);
        Voucher[] storage vs = signed[id];
        if (vs.length == 0) return;
        calls++;
        Voucher storage v = vs[voucherSeed % vs.length];
        Session memory s = sessions.session(_t(id));
        uint256 before = usdc.balanceOf(client);
        vm.prank(provider);
        try sessions.settleAndClose(_t(id), v.amount, v.count, v.sig) returns (uint256 refund) {
            settledTimes[id][v.amount] += 1;
            if (refund != uint256(s.escrow) - v.amount || usdc.balanceOf(client) != before + refund) reclaimShort = true;
        } catch {}
    }

    function topUp(uint256 seed, uint256 amountSeed) external {
        if (ids.length == 0) return;
        calls++;
        bytes32 id = _pick(seed);
        uint96 amount = uint96(bound(amountSeed, 1, 100 * 1e6));
        vm.prank(client);
        try sessions.topUp(_t(id), amount, 0) {
            deposited[id] += amount;
        } catch {}
    }

    /// @dev The client signs a new voucher, as an honest client does: increasing, within the escrow.
    function sign(uint256 seed, uint256 amountSeed, uint256 countSeed) external {
        if (ids.length == 0) return;
        calls++;
        bytes32 id = _pick(seed);
        Session memory s = sessions.session(_t(id));
        if (maxSigned[id] >= s.escrow) return;
        uint256 amount = bound(amountSeed, maxSigned[id] + 1, s.escrow);
        uint64 count = uint64(bound(countSeed, (amount + s.maxPrice - 1) / s.maxPrice, 10_000_000));
        (uint8 v, bytes32 r, bytes32 ss) = vm.sign(clientKey, sessions.voucherDigest(id, amount, count));
        signed[id].push(Voucher(amount, count, abi.encodePacked(r, ss, v)));
        maxSigned[id] = amount;
    }

    /// @dev The provider settles any voucher it holds: the latest, or an older one (which must fail if stale).
    function settle(uint256 seed, uint256 voucherSeed) external {
        if (ids.length == 0) return;
        bytes32 id = _pick(seed);
        Voucher[] storage vs = signed[id];
        if (vs.length == 0) return;
        calls++;
        Voucher storage v = vs[voucherSeed % vs.length];
        vm.prank(provider);
        try sessions.settle(_t(id), v.amount, v.count, v.sig) {
            settledTimes[id][v.amount] += 1;
        } catch {}
    }

    /// @dev An attacker settles an amount the client never signed, with its own key.
    function settleForged(uint256 seed, uint256 amountSeed) external {
        if (ids.length == 0) return;
        calls++;
        bytes32 id = _pick(seed);
        uint256 amount = bound(amountSeed, 1, 2_000 * 1e6);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(uint256(keccak256("attacker")), sessions.voucherDigest(id, amount, 1e6));
        try sessions.settle(_t(id), amount, 1e6, abi.encodePacked(r, s, v)) {
            forgedAccepted = true;
        } catch {}
    }

    function release(uint256 seed) external {
        if (ids.length == 0) return;
        calls++;
        try sessions.release(_t(_pick(seed))) {} catch {}
    }

    function close(uint256 seed) external {
        if (ids.length == 0) return;
        calls++;
        vm.prank(provider);
        try sessions.close(_t(_pick(seed))) {} catch {}
    }

    function reclaim(uint256 seed) external {
        if (ids.length == 0) return;
        calls++;
        bytes32 id = _pick(seed);
        Session memory s = sessions.session(_t(id));
        uint256 unspent = uint256(s.escrow) - s.settled;
        uint256 before = usdc.balanceOf(client);
        vm.prank(client);
        try sessions.reclaim(_t(id)) returns (uint256 refund) {
            if (refund != unspent || usdc.balanceOf(client) != before + unspent) reclaimShort = true;
        } catch {}
    }

    function dispute(uint256 seed, uint256 indexSeed, bool wrongSigner) external {
        if (ids.length == 0) return;
        calls++;
        bytes32 id = _pick(seed);
        Session memory s = sessions.session(_t(id));
        if (s.settledRequests == 0) return;
        uint64 index = uint64(bound(indexSeed, 0, s.settledRequests - 1));
        bytes32 out = keccak256(abi.encode(indexSeed));
        uint256 key = wrongSigner ? uint256(keccak256("attacker")) : signerKey;
        (uint8 v, bytes32 r, bytes32 ss) =
            vm.sign(key, sessions.attestationDigest(id, index, model, keccak256("in"), out));
        vm.prank(challenger);
        try sessions.disputeRequest(_t(id), index, keccak256("in"), out, abi.encodePacked(r, ss, v), "") returns (
            bytes32 disputeId
        ) {
            if (wrongSigner) forgedAccepted = true;
            disputeIds.push(disputeId);
            disputedSession[disputeId] = id;
        } catch {}
    }

    function resolve(uint256 seed, uint8 outcomeSeed) external {
        if (disputeIds.length == 0) return;
        calls++;
        bytes32 d = disputeIds[seed % disputeIds.length];
        vm.prank(arbitrator);
        try sessions.resolveDispute(_dt(d), d, IJobMarketTypes.Outcome(outcomeSeed % 3), "") {} catch {}
    }

    function cancelDispute(uint256 seed) external {
        if (disputeIds.length == 0) return;
        calls++;
        bytes32 d = disputeIds[seed % disputeIds.length];
        try sessions.cancelDispute(_dt(d), d) {} catch {}
    }

    function equivocate(uint256 seed, uint64 index) external {
        if (ids.length == 0) return;
        calls++;
        bytes32 id = _pick(seed);
        SignedAttestation memory a = _att(id, index, keccak256("a"));
        SignedAttestation memory b = _att(id, index, keccak256("b"));
        vm.prank(reporter);
        try sessions.reportEquivocation(_t(id), index, a, b) {} catch {}
    }

    function _att(bytes32 id, uint64 index, bytes32 out) internal view returns (SignedAttestation memory a) {
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(signerKey, sessions.attestationDigest(id, index, model, keccak256("in"), out));
        a = SignedAttestation(model, keccak256("in"), out, abi.encodePacked(r, s, v));
    }

    function claim(uint256 actorSeed) external {
        calls++;
        address who = actors[actorSeed % actors.length];
        vm.prank(who);
        try sessions.claim(address(usdc), who) {} catch {}
    }

    /// @dev The provider adds to its collateral pool (bounded), or takes back part of its idle part.
    function lockCollateral(uint256 amountSeed) external {
        calls++;
        vm.prank(provider);
        try sessions.lockCollateral(uint96(bound(amountSeed, 1, 2_000 * 1e18))) {} catch {}
    }

    function unlockCollateral(uint256 amountSeed) external {
        calls++;
        CollateralPool memory pool = sessions.collateralPool(provider);
        uint256 idle = pool.locked - pool.used;
        vm.prank(provider);
        // Up to one unit past the idle part: that unit must be refused.
        try sessions.unlockCollateral(uint96(bound(amountSeed, 1, idle + 1))) {
            if (bound(amountSeed, 1, idle + 1) > idle) unlockedBusyCollateral = true;
        } catch {}
    }

    function warp(uint256 secondsSeed) external {
        calls++;
        vm.warp(block.timestamp + bound(secondsSeed, 1, 2 days));
    }

    // ------------------------------------------------------------------ ghost views

    /// @notice Σ over sessions of what the module still holds for them: unspent escrow plus pending settlements.
    function heldForSessions() external view returns (uint256 sum) {
        for (uint256 i; i < ids.length; ++i) {
            Session memory s = sessions.session(_t(ids[i]));
            sum += uint256(s.escrow) - s.released;
        }
    }

    function collateralSum() external view returns (uint256 sum) {
        for (uint256 i; i < ids.length; ++i) {
            sum += sessions.session(_t(ids[i])).collateral;
        }
    }

    function openBonds() external view returns (uint256 sum) {
        for (uint256 i; i < disputeIds.length; ++i) {
            SessionDispute memory d = sessions.sessionDispute(disputeIds[i]);
            if (d.status == DisputeStatus.Open) sum += d.bond;
        }
    }

    function claimables() external view returns (uint256 sum) {
        for (uint256 i; i < actors.length; ++i) {
            sum += sessions.claimable(actors[i], address(usdc));
        }
    }

    function vouchersOf(bytes32 id) external view returns (uint256) {
        return signed[id].length;
    }

    function voucherAmount(bytes32 id, uint256 i) external view returns (uint256) {
        return signed[id][i].amount;
    }
}

/// @notice Invariants of payment sessions (DESIGN.md invariant 12, and solvency):
///         1. collected ≤ signed ≤ escrowed, per session;
///         2. each voucher amount is settled at most once, and only amounts the client signed are ever settled;
///         3. solvency: the module's token balance equals unspent escrow + pending settlements + claimable balances
///            + open bonds + fees, exactly;
///         4. what the market holds locked for the module equals the sessions' collateral;
///         5. no forged voucher or attestation is ever accepted, and a reclaim always returns exactly the unspent;
///         and, at the end of every run, exit liveness: past every deadline, every dispute ends, every settlement
///         releases, the client reclaims every unspent remainder and everyone claims; the module is left with fees.
contract SessionsInvariantTest is SessionsFixture {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    SessionsHandler internal handler;

    function setUp() public override {
        super.setUp();
        vm.prank(sclient);
        usdc.approve(address(market), type(uint256).max);
        handler = new SessionsHandler(
            SessionsHandler.Config({
                market: market,
                sessions: sessions,
                usdc: usdc,
                model: modelId,
                clientKey: clientKey,
                provider: alice.account,
                signerKey: alice.signerKey,
                challenger: challenger,
                arbitrator: arbitrator
            })
        );
        // Alice can back large settlements: 1,000 USDC collected locks 10,000 tokens.
        token.transfer(alice.account, 100_000 * TOKEN);
        vm.startPrank(alice.account);
        market.stake(100_000 * TOKEN);
        market.setModuleAllowance(address(sessions), uint96(1_000_000 * TOKEN));
        vm.stopPrank();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](22);
        uint256 i;
        s[i++] = SessionsHandler.open.selector;
        s[i++] = SessionsHandler.open.selector;
        s[i++] = SessionsHandler.openFromBalance.selector;
        s[i++] = SessionsHandler.settleAndClose.selector;
        s[i++] = SessionsHandler.topUp.selector;
        s[i++] = SessionsHandler.sign.selector;
        s[i++] = SessionsHandler.sign.selector;
        s[i++] = SessionsHandler.settle.selector;
        s[i++] = SessionsHandler.settle.selector;
        s[i++] = SessionsHandler.settleForged.selector;
        s[i++] = SessionsHandler.release.selector;
        s[i++] = SessionsHandler.close.selector;
        s[i++] = SessionsHandler.reclaim.selector;
        s[i++] = SessionsHandler.dispute.selector;
        s[i++] = SessionsHandler.resolve.selector;
        s[i++] = SessionsHandler.cancelDispute.selector;
        s[i++] = SessionsHandler.equivocate.selector;
        s[i++] = SessionsHandler.claim.selector;
        s[i++] = SessionsHandler.lockCollateral.selector;
        s[i++] = SessionsHandler.unlockCollateral.selector;
        s[i++] = SessionsHandler.warp.selector;
        s[i++] = SessionsHandler.warp.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    function invariant_collectedLeSignedLeEscrowed() public view {
        for (uint256 i; i < handler.sessionCount(); ++i) {
            bytes32 id = handler.ids(i);
            Session memory s = sessions.session(handler._t(id));
            assertLe(s.settled, handler.maxSigned(id), "collected <= signed");
            assertLe(handler.maxSigned(id), handler.deposited(id), "signed <= escrowed");
            assertLe(s.settled, s.escrow, "collected <= escrow held");
            assertLe(s.released, s.settled, "released <= collected");
        }
    }

    function invariant_eachVoucherAmountUsedAtMostOnce() public view {
        for (uint256 i; i < handler.sessionCount(); ++i) {
            bytes32 id = handler.ids(i);
            uint256 settled = sessions.session(handler._t(id)).settled;
            bool signedIt = settled == 0;
            for (uint256 j; j < handler.vouchersOf(id); ++j) {
                uint256 amount = handler.voucherAmount(id, j);
                assertLe(handler.settledTimes(id, amount), 1, "voucher used twice");
                if (amount == settled) signedIt = true;
            }
            assertTrue(signedIt, "settled an amount the client never signed");
        }
    }

    /// @dev Solvency, locks and the attacker ghosts in one campaign (each invariant function runs its own).
    function invariant_solventLockedAndUnforged() public view {
        (uint256 protocolFees, uint256 arbitrationFees) = sessions.feesAccrued(address(usdc));
        assertEq(
            usdc.balanceOf(address(sessions)),
            handler.heldForSessions() + handler.claimables() + handler.openBonds() + protocolFees + arbitrationFees,
            "balance == escrow + pending + claimable + bonds + fees"
        );
        CollateralPool memory pool = sessions.collateralPool(alice.account);
        assertEq(market.moduleStake(address(sessions), alice.account).locked, pool.locked, "market lock == pool");
        assertEq(pool.used, handler.collateralSum(), "pool used == sessions' collateral");
        assertLe(pool.used, pool.locked, "used <= locked");
        assertFalse(handler.forgedAccepted(), "forged signature accepted");
        assertFalse(handler.reclaimShort(), "reclaim or settleAndClose paid other than the unspent remainder");
        assertFalse(handler.fundedShort(), "openSessionFromBalance debited other than the escrow");
        // The market's side: what it holds of the payment token is exactly the client's balance left there.
        assertEq(usdc.balanceOf(address(market)), market.claimable(vm.addr(clientKey), address(usdc)), "market solvent");
        assertFalse(handler.unlockedBusyCollateral(), "unlocked collateral that backs a settlement");
    }

    /// @dev Exit liveness: after every deadline, everyone gets their money out.
    function afterInvariant() public {
        vm.warp(block.timestamp + 40 days);
        for (uint256 i; i < handler.disputeCount(); ++i) {
            bytes32 d = handler.disputeIds(i);
            if (sessions.sessionDispute(d).status == DisputeStatus.Open) sessions.cancelDispute(handler._dt(d), d);
        }
        address c = vm.addr(clientKey);
        for (uint256 i; i < handler.sessionCount(); ++i) {
            bytes32 id = handler.ids(i);
            Session memory s = sessions.session(handler._t(id));
            if (s.settled != s.released || s.collateral != 0) sessions.release(handler._t(id));
            if (s.status == SessionStatus.Open || (s.status == SessionStatus.Slashed && s.escrow != s.settled)) {
                uint256 before = usdc.balanceOf(c);
                SessionTerms memory t = handler._t(id);
                vm.prank(c);
                uint256 refund = sessions.reclaim(t);
                assertEq(refund, uint256(s.escrow) - s.settled, "reclaims the unspent remainder");
                assertEq(usdc.balanceOf(c), before + refund, "client paid");
            }
        }
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            if (sessions.claimable(a, address(usdc)) != 0) {
                vm.prank(a);
                sessions.claim(address(usdc), a);
            }
        }
        (uint256 protocolFees, uint256 arbitrationFees) = sessions.feesAccrued(address(usdc));
        assertEq(usdc.balanceOf(address(sessions)), protocolFees + arbitrationFees, "only fees left");
        CollateralPool memory pool = sessions.collateralPool(alice.account);
        assertEq(pool.used, 0, "nothing backs anything");
        if (pool.locked != 0) {
            vm.prank(alice.account);
            sessions.unlockCollateral(pool.locked); // the provider takes its idle pool back
        }
        assertEq(market.moduleStake(address(sessions), alice.account).locked, 0, "no stake left locked");
    }
}
