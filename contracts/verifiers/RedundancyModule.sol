// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IRedundancyModule} from "../interfaces/IRedundancyModule.sol";
import {JobLib} from "../libraries/JobLib.sol";

/// @title Redundancy (k of n) module
/// @notice A client escrows `k × price` here and names `k` distinct providers (distinct accounts and signer
///         keys, each with an active offer for the model). Each provider commits to a hidden output and
///         locks `collateral` of its stake through the market's module API (`moduleLock`, bounded by the
///         allowance it gave this module), then reveals. Results that agree are paid; under EXACT a strict
///         majority of at least two settles a disagreement by itself (the minority is slashed unless it
///         appeals); anything else goes to the arbiter. A seat that committed and never revealed loses its
///         collateral (liveness). Every seat's price is paid to its provider or refunded to the client,
///         exactly once. Design and attacker table: docs/protocol.md 7.8.
/// @dev Holds its own escrow (the market's jobs are not used: a job's result is public when submitted, and
///      a commit-reveal is what stops an agreeing provider from copying). Stake stays in the market; this
///      module only locks, releases and slashes what each provider allowed it.
contract RedundancyModule is IRedundancyModule, AccessManaged, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------------ constants (bounds in code)

    uint256 public constant MIN_PROVIDERS = 2;
    uint256 public constant MAX_PROVIDERS = 8;
    /// @notice The latest commit deadline, after the request (as the market's job deadline).
    uint256 public constant MAX_DURATION = 30 days;
    uint256 public constant MIN_PERIOD = 10 minutes;
    uint256 public constant MAX_PERIOD = 7 days;
    uint256 public constant MIN_ARBITRATION_PERIOD = 1 days;
    uint256 public constant MAX_ARBITRATION_PERIOD = 14 days;
    uint256 public constant MAX_LIVENESS_REWARD_BPS = 5_000;

    // ------------------------------------------------------------------ immutables and storage

    /// @inheritdoc IRedundancyModule
    IJobMarket public immutable market;
    /// @inheritdoc IRedundancyModule
    uint32 public immutable revealPeriod;
    /// @inheritdoc IRedundancyModule
    uint32 public immutable appealPeriod;
    /// @inheritdoc IRedundancyModule
    uint32 public immutable arbitrationPeriod;
    /// @inheritdoc IRedundancyModule
    uint16 public immutable livenessRewardBps;

    /// @custom:storage-location erc7201:depinfer.storage.RedundancyModule
    struct RedundancyStorage {
        uint256 count;
        mapping(uint256 id => Request) requests;
        mapping(uint256 id => mapping(uint256 seat => Seat)) seats;
        mapping(address account => mapping(address token => uint256)) balances;
        mapping(address token => uint256) fees;
        mapping(address token => uint256) escrow;
    }

    // keccak256(abi.encode(uint256(keccak256("depinfer.storage.RedundancyModule")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xc53c643db52126e582130a9ac643f0e20a485c018605ccfa7906996b11e30000;

    function _s() private pure returns (RedundancyStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    /// @param authority The AccessManager (ARBITRATOR may `rule`; ADMIN may `withdrawFees`).
    /// @param market_ The market whose stake this module locks.
    constructor(
        address authority,
        IJobMarket market_,
        uint32 revealPeriod_,
        uint32 appealPeriod_,
        uint32 arbitrationPeriod_,
        uint16 livenessRewardBps_
    ) AccessManaged(authority) {
        require(authority != address(0) && address(market_) != address(0), RedundancyZeroAddress());
        _bounded("revealPeriod", revealPeriod_, MIN_PERIOD, MAX_PERIOD);
        _bounded("appealPeriod", appealPeriod_, MIN_PERIOD, MAX_PERIOD);
        _bounded("arbitrationPeriod", arbitrationPeriod_, MIN_ARBITRATION_PERIOD, MAX_ARBITRATION_PERIOD);
        _bounded("livenessRewardBps", livenessRewardBps_, 0, MAX_LIVENESS_REWARD_BPS);
        market = market_;
        revealPeriod = revealPeriod_;
        appealPeriod = appealPeriod_;
        arbitrationPeriod = arbitrationPeriod_;
        livenessRewardBps = livenessRewardBps_;
    }

    function _bounded(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        require(value >= min && value <= max, RedundancyConfigOutOfBounds(name, value, min, max));
    }

    // ------------------------------------------------------------------ request

    /// @inheritdoc IRedundancyModule
    function request(RequestParams calldata p, address[] calldata providers)
        external
        nonReentrant
        returns (uint256 id)
    {
        uint256 k = providers.length;
        require(k >= MIN_PROVIDERS && k <= MAX_PROVIDERS, RedundancyProviderCount(k, MIN_PROVIDERS, MAX_PROVIDERS));
        require(p.price != 0, RedundancyZeroPrice());
        require(
            p.commitDeadline > block.timestamp && p.commitDeadline <= block.timestamp + MAX_DURATION,
            RedundancyBadDeadline(p.commitDeadline, block.timestamp + 1, block.timestamp + MAX_DURATION)
        );
        IJobMarketTypes.Model memory m = market.model(p.model);
        require(
            m.registered && m.determinism != IJobMarketTypes.Determinism.NONE,
            RedundancyModelUnsupported(p.model, m.determinism, m.registered)
        );
        IJobMarketTypes.TokenConfig memory tc = market.paymentToken(p.token);
        require(tc.allowed, RedundancyTokenNotAllowed(p.token));
        (IJobMarketTypes.Params memory params,) = market.params();
        uint256 collateral = JobLib.collateralFor(p.price, params.collateralRatioBps, tc.stakeRate);
        require(collateral != 0 && collateral <= type(uint96).max, RedundancyCollateralOutOfRange(collateral));
        _checkProviders(p, providers);

        RedundancyStorage storage $ = _s();
        id = ++$.count;
        Request storage r = $.requests[id];
        r.client = msg.sender;
        r.k = uint8(k);
        r.status = RequestStatus.Open;
        r.mode = m.determinism;
        r.feeBps = params.protocolFeeBps;
        r.commitDeadline = p.commitDeadline;
        r.token = p.token;
        r.price = p.price;
        r.collateral = uint96(collateral);
        r.revealDeadline = uint40(p.commitDeadline + revealPeriod);
        r.model = p.model;
        r.inputHash = p.inputHash;
        for (uint256 i; i < k; ++i) {
            Seat storage s = $.seats[id][i];
            s.provider = providers[i];
            s.status = SeatStatus.Named;
        }

        uint256 total = uint256(p.price) * k;
        $.escrow[p.token] += total;
        _pull(IERC20(p.token), total);
        _emitRequested(id, p, providers, uint96(collateral));
    }

    function _emitRequested(uint256 id, RequestParams calldata p, address[] calldata providers, uint96 collateral)
        private
    {
        emit RedundancyRequested(
            id, msg.sender, p.model, p.token, p.price, collateral, p.commitDeadline, p.inputHash, providers
        );
    }

    /// @dev Each provider is registered and offers the model in the token at or below the price; no two share
    ///      an account or a signer key, and no provider's key is another's account.
    function _checkProviders(RequestParams calldata p, address[] calldata providers) private view {
        uint256 k = providers.length;
        address[] memory keys = new address[](k);
        for (uint256 i; i < k; ++i) {
            address a = providers[i];
            IJobMarketTypes.ProviderInfo memory info = market.provider(a);
            IJobMarketTypes.Offer memory o = market.offer(a, p.model);
            require(
                info.registered && o.active && o.token == p.token && o.price <= p.price,
                RedundancyProviderIneligible(a, p.model, p.token, p.price)
            );
            keys[i] = info.signer;
            for (uint256 j; j < i; ++j) {
                address b = providers[j];
                require(a != b, RedundancyNotDistinct(b, a, a));
                require(keys[i] != keys[j], RedundancyNotDistinct(b, a, keys[i]));
                require(keys[i] != b, RedundancyNotDistinct(b, a, b));
                require(keys[j] != a, RedundancyNotDistinct(b, a, a));
            }
        }
    }

    function _pull(IERC20 token, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        require(received == amount, RedundancyTransferMismatch(amount, received));
    }

    // ------------------------------------------------------------------ commit, reveal

    /// @inheritdoc IRedundancyModule
    function commit(uint256 id, uint256 seat, bytes32 commitment) external {
        RedundancyStorage storage $ = _s();
        Request storage r = _request(id, RequestStatus.Open);
        uint256 k = r.k;
        require(seat < k, RedundancyUnknownSeat(id, seat, k));
        Seat storage s = $.seats[id][seat];
        require(msg.sender == s.provider, RedundancyNotSeatProvider(id, seat, msg.sender));
        require(s.status == SeatStatus.Named, RedundancySeatWrongStatus(id, seat, s.status));
        require(block.timestamp <= r.commitDeadline, RedundancyCommitClosed(id, r.commitDeadline, block.timestamp));
        require(commitment != bytes32(0), RedundancyZeroCommitment());

        // Independence at the moment stake is put at risk: the key may have been rotated since the request.
        address key = market.provider(msg.sender).signer;
        for (uint256 j; j < k; ++j) {
            if (j == seat) continue;
            Seat storage o = $.seats[id][j];
            if (o.status != SeatStatus.Committed && o.status != SeatStatus.Revealed) continue;
            require(key != o.signer && key != o.provider && msg.sender != o.signer, RedundancyNotDistinct(o.provider, msg.sender, key));
        }

        s.status = SeatStatus.Committed;
        s.signer = key;
        s.value = commitment;
        uint256 committed = r.committed + 1;
        r.committed = uint8(committed);
        if (committed == k) r.revealDeadline = uint40(block.timestamp + revealPeriod);
        market.moduleLock(msg.sender, r.collateral);
        emit RedundancyCommitted(id, seat, msg.sender);
    }

    /// @inheritdoc IRedundancyModule
    function reveal(uint256 id, uint256 seat, bytes32 output, bytes32 salt) external {
        Request storage r = _request(id, RequestStatus.Open);
        require(seat < r.k, RedundancyUnknownSeat(id, seat, r.k));
        Seat storage s = _s().seats[id][seat];
        require(s.status == SeatStatus.Committed, RedundancySeatWrongStatus(id, seat, s.status));
        require(
            r.committed == r.k || block.timestamp > r.commitDeadline,
            RedundancyRevealNotOpen(id, r.commitDeadline, block.timestamp)
        );
        require(block.timestamp <= r.revealDeadline, RedundancyRevealClosed(id, r.revealDeadline, block.timestamp));
        require(
            keccak256(abi.encode(id, seat, s.provider, output, salt)) == s.value, RedundancyCommitmentMismatch(id, seat)
        );
        s.status = SeatStatus.Revealed;
        s.value = output;
        r.revealed += 1;
        emit RedundancyRevealed(id, seat, s.provider, output);
    }

    // ------------------------------------------------------------------ settle, appeal, rule

    /// @inheritdoc IRedundancyModule
    function settle(uint256 id) external {
        Request storage r = _s().requests[id];
        RequestStatus st = r.status;
        require(st != RequestStatus.None, RedundancyUnknownRequest(id));
        if (st == RequestStatus.Open) {
            bool allIn = r.committed == r.k || block.timestamp > r.commitDeadline;
            bool ready = block.timestamp > r.revealDeadline || (allIn && r.revealed == r.committed);
            require(ready, RedundancyNotSettleable(id, st, uint256(r.revealDeadline) + 1));
            _endReveal(id, r);
        } else if (st == RequestStatus.Contested || st == RequestStatus.Arbitration) {
            require(block.timestamp > r.phaseDeadline, RedundancyNotSettleable(id, st, uint256(r.phaseDeadline) + 1));
            // Contested: the minority did not appeal; the majority is right. Arbitration: nobody ruled;
            // nobody is paid or slashed (mask 0 with `timeout`).
            _decide(id, r, st == RequestStatus.Contested ? _mask(id, r, r.majority) : 0, st == RequestStatus.Arbitration);
        } else {
            revert RedundancyWrongStatus(id, st);
        }
    }

    /// @inheritdoc IRedundancyModule
    function appeal(uint256 id, uint256 seat) external {
        Request storage r = _request(id, RequestStatus.Contested);
        require(seat < r.k, RedundancyUnknownSeat(id, seat, r.k));
        Seat storage s = _s().seats[id][seat];
        require(msg.sender == s.provider, RedundancyNotSeatProvider(id, seat, msg.sender));
        require(block.timestamp <= r.phaseDeadline, RedundancyPhaseClosed(id, r.phaseDeadline, block.timestamp));
        require(s.status == SeatStatus.Revealed && s.value != r.majority, RedundancyNotMinority(id, seat));
        _openArbitration(id, r, msg.sender);
    }

    /// @inheritdoc IRedundancyModule
    function rule(uint256 id, uint256 correctMask) external restricted {
        Request storage r = _request(id, RequestStatus.Arbitration);
        require(block.timestamp <= r.phaseDeadline, RedundancyPhaseClosed(id, r.phaseDeadline, block.timestamp));
        uint256 revealedMask = _revealedMask(id, r);
        require(correctMask & ~revealedMask == 0, RedundancyRulingOutOfRange(id, correctMask, revealedMask));
        emit RedundancyRuled(id, correctMask, msg.sender);
        _decide(id, r, correctMask, false);
    }

    /// @dev The end of the reveal phase: absent seats refunded, silent seats slashed and refunded; then the
    ///      revealed outputs decide (agreement pays; EXACT strict majority of ≥ 2 contests; else arbitration).
    function _endReveal(uint256 id, Request storage r) private {
        RedundancyStorage storage $ = _s();
        uint256 k = r.k;
        bool active = market.isModule(address(this));
        bytes32[MAX_PROVIDERS] memory outs;
        uint256 revealedMask;
        uint256 n;
        for (uint256 i; i < k; ++i) {
            Seat storage s = $.seats[id][i];
            SeatStatus ss = s.status;
            if (ss == SeatStatus.Named) {
                _refund(id, i, s, r, SeatStatus.Absent);
            } else if (ss == SeatStatus.Committed) {
                _slash(id, i, s, r, true, active);
            } else {
                outs[i] = s.value;
                revealedMask |= 1 << i;
                ++n;
            }
        }
        uint256 best;
        bytes32 bestHash;
        for (uint256 i; i < k; ++i) {
            if (revealedMask & (1 << i) == 0) continue;
            uint256 c;
            for (uint256 j; j < k; ++j) {
                if (revealedMask & (1 << j) != 0 && outs[j] == outs[i]) ++c;
            }
            if (c > best) (best, bestHash) = (c, outs[i]);
        }
        if (best == n) {
            // Nobody revealed, or every revealed output agrees (one alone included: its partners were silent).
            _decide(id, r, revealedMask, false);
        } else if (r.mode == IJobMarketTypes.Determinism.EXACT && best * 2 > n && best >= 2) {
            r.status = RequestStatus.Contested;
            r.majority = bestHash;
            uint256 deadline = block.timestamp + appealPeriod;
            r.phaseDeadline = uint40(deadline);
            emit RedundancyContested(id, bestHash, deadline);
        } else {
            _openArbitration(id, r, address(0));
        }
    }

    function _openArbitration(uint256 id, Request storage r, address appellant) private {
        r.status = RequestStatus.Arbitration;
        uint256 deadline = block.timestamp + arbitrationPeriod;
        r.phaseDeadline = uint40(deadline);
        emit RedundancyArbitrationOpened(id, appellant, deadline);
    }

    /// @dev Terminal: revealed seats in `paidMask` are paid; the other revealed seats are slashed (or, on a
    ///      timeout, released); every refund goes to the client. Then the request is Settled.
    function _decide(uint256 id, Request storage r, uint256 paidMask, bool timeout) private {
        RedundancyStorage storage $ = _s();
        uint256 k = r.k;
        bool active = market.isModule(address(this));
        uint256 paid;
        for (uint256 i; i < k; ++i) {
            Seat storage s = $.seats[id][i];
            SeatStatus ss = s.status;
            if (ss == SeatStatus.Revealed) {
                if (paidMask & (1 << i) != 0) {
                    _pay(id, i, s, r, active);
                } else if (timeout) {
                    _unlock(s.provider, r.collateral, active);
                    _refund(id, i, s, r, SeatStatus.Released);
                } else {
                    _slash(id, i, s, r, false, active);
                }
                ss = s.status;
            }
            if (ss == SeatStatus.Paid) ++paid;
        }
        r.status = RequestStatus.Settled;
        emit RedundancySettled(id, paid, (k - paid) * r.price);
    }

    function _pay(uint256 id, uint256 seat, Seat storage s, Request storage r, bool active) private {
        RedundancyStorage storage $ = _s();
        uint256 price = r.price;
        uint256 fee = JobLib.bpsOf(price, r.feeBps);
        s.status = SeatStatus.Paid;
        $.escrow[r.token] -= price;
        $.balances[s.provider][r.token] += price - fee;
        $.fees[r.token] += fee;
        _unlock(s.provider, r.collateral, active);
        emit RedundancySeatPaid(id, seat, s.provider, price - fee, fee);
    }

    function _refund(uint256 id, uint256 seat, Seat storage s, Request storage r, SeatStatus to) private {
        RedundancyStorage storage $ = _s();
        s.status = to;
        $.escrow[r.token] -= r.price;
        $.balances[r.client][r.token] += r.price;
        emit RedundancySeatRefunded(id, seat, to, r.price);
    }

    /// @dev Slashes the seat's whole collateral (a liveness slash pays `livenessRewardBps` of it to the client,
    ///      a fraud slash pays nobody: all to the market's treasury) and refunds its price. A retired module
    ///      cannot slash: it releases instead, so a request can always be settled.
    function _slash(uint256 id, uint256 seat, Seat storage s, Request storage r, bool liveness, bool active) private {
        if (active) {
            market.moduleSlash(s.provider, r.collateral, r.client, liveness ? livenessRewardBps : 0);
            emit RedundancySeatSlashed(id, seat, s.provider, r.collateral, liveness);
        } else {
            _unlock(s.provider, r.collateral, false);
        }
        _refund(id, seat, s, r, SeatStatus.Slashed);
    }

    /// @dev Releases the seat's collateral. Once retired, anyone may already have released this module's locks
    ///      (`releaseRetiredModuleLock`), so only what is still locked is released.
    function _unlock(address provider, uint96 collateral, bool active) private {
        uint256 amount = collateral;
        if (!active) {
            uint256 held = market.moduleStake(address(this), provider).locked;
            if (held < amount) amount = held;
            if (amount == 0) return;
        }
        market.moduleRelease(provider, amount);
    }

    function _mask(uint256 id, Request storage r, bytes32 output) private view returns (uint256 mask) {
        for (uint256 i; i < r.k; ++i) {
            Seat storage s = _s().seats[id][i];
            if (s.status == SeatStatus.Revealed && s.value == output) mask |= 1 << i;
        }
    }

    function _revealedMask(uint256 id, Request storage r) private view returns (uint256 mask) {
        for (uint256 i; i < r.k; ++i) {
            if (_s().seats[id][i].status == SeatStatus.Revealed) mask |= 1 << i;
        }
    }

    function _request(uint256 id, RequestStatus want) private view returns (Request storage r) {
        r = _s().requests[id];
        require(r.status != RequestStatus.None, RedundancyUnknownRequest(id));
        require(r.status == want, RedundancyWrongStatus(id, r.status));
    }

    // ------------------------------------------------------------------ balances

    /// @inheritdoc IRedundancyModule
    function claim(address token, address to) external nonReentrant returns (uint256 amount) {
        require(to != address(0), RedundancyZeroAddress());
        RedundancyStorage storage $ = _s();
        amount = $.balances[msg.sender][token];
        require(amount != 0, RedundancyNothingToClaim(msg.sender, token));
        $.balances[msg.sender][token] = 0;
        IERC20(token).safeTransfer(to, amount);
        emit RedundancyClaimed(msg.sender, token, to, amount);
    }

    /// @inheritdoc IRedundancyModule
    function withdrawFees(address token, address to) external restricted nonReentrant returns (uint256 amount) {
        require(to != address(0), RedundancyZeroAddress());
        RedundancyStorage storage $ = _s();
        amount = $.fees[token];
        require(amount != 0, RedundancyNothingToClaim(address(this), token));
        $.fees[token] = 0;
        IERC20(token).safeTransfer(to, amount);
        emit RedundancyFeesWithdrawn(token, to, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRedundancyModule
    function commitmentOf(uint256 id, uint256 seat, address provider, bytes32 output, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(id, seat, provider, output, salt));
    }

    /// @inheritdoc IRedundancyModule
    function requestOf(uint256 id) external view returns (Request memory) {
        return _s().requests[id];
    }

    /// @inheritdoc IRedundancyModule
    function seatOf(uint256 id, uint256 seat) external view returns (Seat memory) {
        return _s().seats[id][seat];
    }

    /// @inheritdoc IRedundancyModule
    function claimable(address account, address token) external view returns (uint256) {
        return _s().balances[account][token];
    }

    /// @inheritdoc IRedundancyModule
    function feesAccrued(address token) external view returns (uint256) {
        return _s().fees[token];
    }

    /// @inheritdoc IRedundancyModule
    function escrowed(address token) external view returns (uint256) {
        return _s().escrow[token];
    }

    /// @inheritdoc IRedundancyModule
    function requestCount() external view returns (uint256) {
        return _s().count;
    }
}
