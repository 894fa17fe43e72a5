// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarket, IJobMarketTypes} from "../../../contracts/interfaces/IJobMarket.sol";
import {IRedundancyModule, IRedundancyModuleTypes} from "../../../contracts/interfaces/IRedundancyModule.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {ModelId} from "../../../contracts/types/Ids.sol";
import {Test} from "../utils/Test.sol";

/// @notice Drives the redundancy module at random: requests over any subset of five providers (one of them,
///         `eve`, can take another's signer key at any time), commits of agreeing or disagreeing outputs (or
///         a copy of another seat's commitment), reveals, silences, settlements, appeals, rulings, claims and
///         time passing. Refused calls are tolerated (try/catch). Keeps ghost sums of what each request paid
///         out, refunded and charged, and how often it settled.
/// @dev Plain storage, not immutables (the runner finds a handler's artifact by its deployed code).
contract RedundancyHandler is Test, IRedundancyModuleTypes {
    IJobMarket public market;
    IRedundancyModule public rm;
    MockUSDC public usdc;
    ModelId public exactModel;
    ModelId public tolerantModel;
    address public client;
    address public arbitrator;
    address[] public providers;

    uint256[] public ids;
    mapping(uint256 id => uint256) public outflow; //  paid + refunded + fees, as the module's balances grew
    mapping(uint256 id => uint256) public settledTimes;
    mapping(uint256 id => mapping(uint256 seat => bytes32)) internal outputOf;
    mapping(uint256 id => mapping(uint256 seat => bytes32)) internal saltOf;
    uint256 public deposited; // pulled into the module
    uint256 public claimedOut; // claimed or withdrawn from it
    uint256 public settles;
    uint256 internal nonce;

    bytes32 internal constant OUT = keccak256("out");
    bytes32 internal constant BAD = keccak256("bad");

    struct Config {
        IJobMarket market;
        IRedundancyModule rm;
        MockUSDC usdc;
        ModelId exactModel;
        ModelId tolerantModel;
        address client;
        address arbitrator;
        address[] providers;
    }

    constructor(Config memory c) {
        market = c.market;
        rm = c.rm;
        usdc = c.usdc;
        exactModel = c.exactModel;
        tolerantModel = c.tolerantModel;
        client = c.client;
        arbitrator = c.arbitrator;
        providers = c.providers;
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    // ------------------------------------------------------------------ actions

    function newRequest(uint256 pick, bool tolerant, uint256 duration) external {
        address[] memory chosen = new address[](providers.length);
        uint256 k;
        for (uint256 i; i < providers.length; ++i) {
            if ((pick >> i) & 1 == 1) chosen[k++] = providers[i];
        }
        if (k < 2) return;
        address[] memory a = new address[](k);
        for (uint256 i; i < k; ++i) {
            a[i] = chosen[i];
        }
        RequestParams memory p = RequestParams({
            model: tolerant ? tolerantModel : exactModel,
            token: address(usdc),
            price: uint96(1e6 + (pick % 7) * 1e5),
            inputHash: keccak256(abi.encode(++nonce)),
            commitDeadline: uint40(block.timestamp + bound(duration, 1, 3 hours))
        });
        uint256 before = usdc.balanceOf(address(rm));
        vm.prank(client);
        try rm.request(p, a) returns (uint256 id) {
            ids.push(id);
            deposited += usdc.balanceOf(address(rm)) - before;
        } catch {}
    }

    function commit(uint256 idSeed, uint256 seatSeed, uint8 how) external {
        (uint256 id, Request memory r, bool ok) = _pick(idSeed);
        if (!ok) return;
        uint256 seat = seatSeed % r.k;
        Seat memory s = rm.seatOf(id, seat);
        bytes32 out = how % 3 == 0 ? BAD : OUT;
        bytes32 salt = keccak256(abi.encode(id, seat, how));
        bytes32 c = rm.commitmentOf(id, seat, s.provider, out, salt);
        if (how % 5 == 4 && seat != 0) c = rm.seatOf(id, 0).value; // copy another seat's commitment
        vm.prank(s.provider);
        try rm.commit(id, seat, c) {
            outputOf[id][seat] = out;
            saltOf[id][seat] = salt;
        } catch {}
    }

    function reveal(uint256 idSeed, uint256 seatSeed) external {
        (uint256 id, Request memory r, bool ok) = _pick(idSeed);
        if (!ok) return;
        uint256 seat = seatSeed % r.k;
        try rm.reveal(id, seat, outputOf[id][seat], saltOf[id][seat]) {} catch {}
    }

    function settle(uint256 idSeed) external {
        (uint256 id,, bool ok) = _pick(idSeed);
        if (!ok) return;
        _measured(id, abi.encodeCall(IRedundancyModule.settle, (id)), address(this));
    }

    function appeal(uint256 idSeed, uint256 seatSeed) external {
        (uint256 id, Request memory r, bool ok) = _pick(idSeed);
        if (!ok) return;
        uint256 seat = seatSeed % r.k;
        _measured(id, abi.encodeCall(IRedundancyModule.appeal, (id, seat)), rm.seatOf(id, seat).provider);
    }

    function rule(uint256 idSeed, uint256 mask) external {
        (uint256 id, Request memory r, bool ok) = _pick(idSeed);
        if (!ok) return;
        _measured(id, abi.encodeCall(IRedundancyModule.rule, (id, mask % (1 << r.k))), arbitrator);
    }

    /// @dev eve takes another provider's signer key (or its account as key), or a fresh one.
    function rotateEve(uint256 whose) external {
        address eve = providers[providers.length - 1];
        uint256 i = whose % providers.length;
        address key = i == providers.length - 1
            ? address(uint160(uint256(keccak256(abi.encode("eve-key", whose)))))
            : (whose & 1 == 0 ? market.provider(providers[i]).signer : providers[i]);
        if (key == address(0)) return;
        vm.prank(eve);
        try market.updateProvider(key, "eve") {} catch {}
    }

    function claim(uint256 who) external {
        address a = who % (providers.length + 1) == providers.length ? client : providers[who % providers.length];
        vm.prank(a);
        try rm.claim(address(usdc), a) returns (uint256 amount) {
            claimedOut += amount;
        } catch {}
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 hours));
    }

    /// @dev Exit liveness: past every deadline, every request settles, and everyone claims.
    function exitAll() external {
        vm.warp(block.timestamp + 40 days);
        for (uint256 j; j < ids.length; ++j) {
            for (uint256 round; round < 3; ++round) {
                if (rm.requestOf(ids[j]).status == RequestStatus.Settled) break;
                _measured(ids[j], abi.encodeCall(IRedundancyModule.settle, (ids[j])), address(this));
                vm.warp(block.timestamp + 15 days);
            }
        }
        for (uint256 i; i <= providers.length; ++i) {
            address a = i == providers.length ? client : providers[i];
            uint256 amount = rm.claimable(a, address(usdc));
            if (amount == 0) continue;
            vm.prank(a);
            rm.claim(address(usdc), a);
            claimedOut += amount;
        }
    }

    // ------------------------------------------------------------------ helpers

    function _pick(uint256 idSeed) internal view returns (uint256 id, Request memory r, bool ok) {
        if (ids.length == 0) return (0, r, false);
        id = ids[idSeed % ids.length];
        r = rm.requestOf(id);
        ok = true;
    }

    function _credits(uint256 id) internal view returns (uint256 sum) {
        Request memory r = rm.requestOf(id);
        sum = rm.claimable(r.client, address(usdc)) + rm.feesAccrued(address(usdc));
        for (uint256 i; i < r.k; ++i) {
            address p = rm.seatOf(id, i).provider;
            if (p != r.client) sum += rm.claimable(p, address(usdc));
        }
    }

    /// @dev Runs a call that may settle seats of `id`, and books what the module credited as `id`'s outflow.
    function _measured(uint256 id, bytes memory data, address caller) internal {
        bool wasSettled = rm.requestOf(id).status == RequestStatus.Settled;
        uint256 before = _credits(id);
        vm.prank(caller);
        (bool success,) = address(rm).call(data);
        if (!success) return;
        outflow[id] += _credits(id) - before;
        if (!wasSettled && rm.requestOf(id).status == RequestStatus.Settled) {
            ++settledTimes[id];
            ++settles;
        }
    }
}
