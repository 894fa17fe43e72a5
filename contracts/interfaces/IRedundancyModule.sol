// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelId} from "../types/Ids.sol";
import {IJobMarket, IJobMarketTypes} from "./IJobMarket.sol";

/// @title Types of the redundancy (k of n) module
/// @notice Units: `price` is in payment-token units per provider; `collateral` in stake-token units per
///         provider; periods in seconds; `*Bps` in basis points.
interface IRedundancyModuleTypes {
    /// @notice Where a request stands. States only move forward.
    enum RequestStatus {
        None, //        0: no such request
        Open, //        1: named providers commit, then reveal
        Contested, //   2: EXACT, a strict majority (of at least two) disagrees with a minority; the
        //                 minority may appeal until `phaseDeadline`, after which the minority is slashed
        Arbitration, // 3: no majority, TOLERANT disagreement, or an appeal; the arbiter rules until
        //                 `phaseDeadline`, after which every revealed provider is released unpaid
        Settled //      4: terminal: every seat is paid, slashed, released or absent, and the escrow is spent
    }

    /// @notice Where one seat (one named provider) stands.
    enum SeatStatus {
        None,
        Named, //     chosen by the client; has not committed (locked nothing)
        Committed, // locked `collateral`, committed to a hidden output
        Revealed, //  revealed the output its commitment hides
        Paid, //      terminal: paid `price − fee`, collateral released
        Slashed, //   terminal: lost `collateral` (outvoted, ruled wrong, or committed and never revealed);
        //               its `price` was refunded to the client
        Released, //  terminal: arbitration timed out; collateral released, `price` refunded to the client
        Absent //     terminal: never committed; `price` refunded to the client
    }

    /// @notice What the client asks for (the named providers are passed beside it).
    /// @param model A registered EXACT or TOLERANT model.
    /// @param token An allow-listed payment token of the market.
    /// @param price What each agreeing provider is paid (before the protocol fee), per provider.
    /// @param inputHash sha256 of the input bytes, as for a job.
    /// @param commitDeadline Commitments are accepted at or before this time.
    struct RequestParams {
        ModelId model;
        address token;
        uint96 price;
        bytes32 inputHash;
        uint40 commitDeadline;
    }

    /// @notice One request (five slots). `k` seats, each escrowed at `price`, each locking `collateral`.
    struct Request {
        address client;
        uint8 k;
        uint8 committed;
        uint8 revealed;
        RequestStatus status;
        IJobMarketTypes.Determinism mode;
        uint16 feeBps; //           the market's protocol fee when the request was made
        uint40 commitDeadline;
        address token;
        uint96 price;
        uint96 collateral; //       per seat, at the market's collateral ratio and token rate at request time
        uint40 revealDeadline; //   last second of the reveal phase
        uint40 phaseDeadline; //    last second to appeal (Contested) or to rule (Arbitration)
        ModelId model;
        bytes32 inputHash;
        bytes32 majority; //        the majority's output hash (Contested, and after it)
    }

    /// @notice One seat of a request.
    /// @param signer The provider's signer key when it committed (its identity for the distinctness check).
    /// @param value The commitment until the reveal, then the revealed output hash.
    struct Seat {
        address provider;
        SeatStatus status;
        address signer;
        bytes32 value;
    }
}

/// @title Errors of the redundancy module
interface IRedundancyModuleErrors is IRedundancyModuleTypes {
    /// @notice `k` named providers is outside `[min, max]`.
    error RedundancyProviderCount(uint256 k, uint256 min, uint256 max);
    /// @notice The price per provider is zero.
    error RedundancyZeroPrice();
    /// @notice `commitDeadline` is not in `(now, now + maxDuration]`.
    error RedundancyBadDeadline(uint256 commitDeadline, uint256 earliest, uint256 latest);
    /// @notice The model is not registered, or its class is NONE (nothing to compare).
    error RedundancyModelUnsupported(ModelId model, IJobMarketTypes.Determinism determinism, bool registered);
    /// @notice The market does not allow-list the payment token.
    error RedundancyTokenNotAllowed(address token);
    /// @notice The collateral per seat at the market's ratio and the token's rate is zero or above uint96.
    error RedundancyCollateralOutOfRange(uint256 collateral);
    /// @notice A named provider is unregistered, or has no active offer for the model in the token at or
    ///         below the price.
    error RedundancyProviderIneligible(address provider, ModelId model, address token, uint96 price);
    /// @notice Two seats share an account or a signer key (or one's key is the other's account).
    error RedundancyNotDistinct(address providerA, address providerB, address key);
    /// @notice The token delivered `received` for a pull of `expected` (fee-on-transfer tokens are refused).
    error RedundancyTransferMismatch(uint256 expected, uint256 received);
    /// @notice No request has this id.
    error RedundancyUnknownRequest(uint256 id);
    /// @notice The request is not in the state the call needs.
    error RedundancyWrongStatus(uint256 id, RequestStatus status);
    /// @notice `seat` is not below the request's `k`.
    error RedundancyUnknownSeat(uint256 id, uint256 seat, uint256 k);
    /// @notice The seat is not in the state the call needs.
    error RedundancySeatWrongStatus(uint256 id, uint256 seat, SeatStatus status);
    /// @notice Only the seat's provider may commit for it or appeal.
    error RedundancyNotSeatProvider(uint256 id, uint256 seat, address caller);
    /// @notice A zero commitment.
    error RedundancyZeroCommitment();
    /// @notice The commit phase ended at `deadline`.
    error RedundancyCommitClosed(uint256 id, uint256 deadline, uint256 time);
    /// @notice Reveals open once every seat committed or the commit deadline passed.
    error RedundancyRevealNotOpen(uint256 id, uint256 commitDeadline, uint256 time);
    /// @notice The reveal phase ended at `deadline`.
    error RedundancyRevealClosed(uint256 id, uint256 deadline, uint256 time);
    /// @notice The revealed output and salt do not hash to the seat's commitment.
    error RedundancyCommitmentMismatch(uint256 id, uint256 seat);
    /// @notice The request cannot be settled (or its phase ended) before `readyAt`.
    error RedundancyNotSettleable(uint256 id, RequestStatus status, uint256 readyAt);
    /// @notice The appeal or ruling phase ended at `deadline`.
    error RedundancyPhaseClosed(uint256 id, uint256 deadline, uint256 time);
    /// @notice Only a revealed seat outside the majority may appeal.
    error RedundancyNotMinority(uint256 id, uint256 seat);
    /// @notice The ruling names a seat that did not reveal (`mask` bit set outside the revealed seats).
    error RedundancyRulingOutOfRange(uint256 id, uint256 mask, uint256 revealedMask);
    /// @notice Nothing to claim or withdraw.
    error RedundancyNothingToClaim(address account, address token);
    /// @notice A zero address where an account is needed.
    error RedundancyZeroAddress();
    /// @notice A constructor setting is outside its bounds.
    error RedundancyConfigOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
}

/// @title Events of the redundancy module
interface IRedundancyModuleEvents is IRedundancyModuleTypes {
    event RedundancyRequested(
        uint256 indexed id,
        address indexed client,
        ModelId indexed model,
        address token,
        uint96 price,
        uint96 collateral,
        uint40 commitDeadline,
        bytes32 inputHash,
        address[] providers
    );
    event RedundancyCommitted(uint256 indexed id, uint256 seat, address indexed provider);
    event RedundancyRevealed(uint256 indexed id, uint256 seat, address indexed provider, bytes32 output);
    /// @notice EXACT: a strict majority disagrees with a minority, which may appeal until `appealDeadline`.
    event RedundancyContested(uint256 indexed id, bytes32 majority, uint256 appealDeadline);
    /// @notice The request awaits the arbiter until `deadline`; `appellant` is zero when no majority decided.
    event RedundancyArbitrationOpened(uint256 indexed id, address indexed appellant, uint256 deadline);
    event RedundancyRuled(uint256 indexed id, uint256 correctMask, address indexed arbiter);
    event RedundancySeatPaid(uint256 indexed id, uint256 seat, address indexed provider, uint256 payout, uint256 fee);
    /// @param liveness True when the seat committed and never revealed.
    event RedundancySeatSlashed(
        uint256 indexed id, uint256 seat, address indexed provider, uint256 amount, bool liveness
    );
    /// @notice The seat's price went back to the client (`status` is Slashed, Released or Absent).
    event RedundancySeatRefunded(uint256 indexed id, uint256 seat, SeatStatus status, uint256 amount);
    /// @notice Terminal. `paid` seats were paid; `refunded` token units went back to the client.
    event RedundancySettled(uint256 indexed id, uint256 paid, uint256 refunded);
    event RedundancyClaimed(address indexed account, address indexed token, address to, uint256 amount);
    event RedundancyFeesWithdrawn(address indexed token, address indexed to, uint256 amount);
}

/// @title The redundancy (k of n) module
/// @notice The client escrows `k × price` in this module and names `k` distinct providers; each commits to a
///         hidden output (locking `collateral` of its stake through the market's module API, within the
///         allowance it gave this module), then reveals. Agreeing providers are paid `price − fee` each;
///         a disagreement decides itself (EXACT, strict majority, unappealed) or goes to the arbiter.
///         See docs/protocol.md 7.8.
interface IRedundancyModule is IRedundancyModuleTypes, IRedundancyModuleErrors, IRedundancyModuleEvents {
    /// @notice Escrows `k × p.price` of `p.token` from the caller (the client) and names `providers` as the
    ///         `k` seats of a new request.
    /// @dev Anyone may call. Reverts with `RedundancyProviderCount`, `RedundancyZeroPrice`,
    ///      `RedundancyBadDeadline`, `RedundancyModelUnsupported`, `RedundancyTokenNotAllowed`,
    ///      `RedundancyCollateralOutOfRange`, `RedundancyProviderIneligible`, `RedundancyNotDistinct`,
    ///      `RedundancyTransferMismatch`, or the token's own error.
    /// @return id The request id (sequential from 1).
    function request(RequestParams calldata p, address[] calldata providers) external returns (uint256 id);

    /// @notice Commits seat `seat`'s provider to a hidden output and locks `collateral` of its stake.
    ///         `commitment = commitmentOf(id, seat, provider, output, salt)`.
    /// @dev Only the seat's provider, while `now ≤ commitDeadline`. Reverts with `RedundancyUnknownRequest`,
    ///      `RedundancyWrongStatus`, `RedundancyUnknownSeat`, `RedundancyNotSeatProvider`,
    ///      `RedundancySeatWrongStatus`, `RedundancyCommitClosed`, `RedundancyZeroCommitment`,
    ///      `RedundancyNotDistinct` (its current signer key is another committed seat's key or account), or
    ///      the market's module errors (`ModuleAllowanceExceeded`, `ProviderInJail`, `StakeInsufficient`,
    ///      `EnforcedPause`, …).
    function commit(uint256 id, uint256 seat, bytes32 commitment) external;

    /// @notice Reveals seat `seat`'s output. Anyone may relay it (the commitment binds the provider).
    /// @dev Open once every seat committed or after `commitDeadline`, until `revealDeadline`. Reverts with
    ///      `RedundancyUnknownRequest`, `RedundancyWrongStatus`, `RedundancyUnknownSeat`,
    ///      `RedundancySeatWrongStatus`, `RedundancyRevealNotOpen`, `RedundancyRevealClosed`,
    ///      `RedundancyCommitmentMismatch`.
    function reveal(uint256 id, uint256 seat, bytes32 output, bytes32 salt) external;

    /// @notice Moves the request on, for anyone: ends the reveal phase (pays agreement, slashes seats that
    ///         committed and never revealed, refunds absent seats, or opens a contest or arbitration); ends
    ///         an unappealed contest (pays the majority, slashes the minority); ends an arbitration nobody
    ///         ruled on (releases and refunds).
    /// @dev Reverts with `RedundancyUnknownRequest`, `RedundancyWrongStatus` (Settled) or
    ///      `RedundancyNotSettleable(id, status, readyAt)` before the phase may end.
    function settle(uint256 id) external;

    /// @notice A minority seat's provider sends a contested EXACT request to the arbiter.
    /// @dev Only the seat's provider, while `now ≤ phaseDeadline`. Reverts with `RedundancyUnknownRequest`,
    ///      `RedundancyWrongStatus`, `RedundancyUnknownSeat`, `RedundancyNotSeatProvider`,
    ///      `RedundancyPhaseClosed`, `RedundancyNotMinority`.
    function appeal(uint256 id, uint256 seat) external;

    /// @notice The arbiter rules: revealed seats whose bit is set in `correctMask` are paid; the other
    ///         revealed seats are slashed their collateral and their price refunded to the client.
    /// @dev Restricted (the ARBITRATOR role). While `now ≤ phaseDeadline`. Reverts with
    ///      `RedundancyUnknownRequest`, `RedundancyWrongStatus`, `RedundancyPhaseClosed`,
    ///      `RedundancyRulingOutOfRange`, or `AccessManagedUnauthorized`.
    function rule(uint256 id, uint256 correctMask) external;

    /// @notice Sends the caller's whole balance of `token` (earnings, refunds) to `to`.
    /// @dev Reverts with `RedundancyZeroAddress` or `RedundancyNothingToClaim`.
    function claim(address token, address to) external returns (uint256 amount);

    /// @notice Sends the protocol fees accrued in `token` to `to` (governance: the treasury).
    /// @dev Restricted (ADMIN, the Timelock). Reverts with `RedundancyZeroAddress` or `RedundancyNothingToClaim`.
    function withdrawFees(address token, address to) external returns (uint256 amount);

    /// @notice The commitment a provider posts: `keccak256(abi.encode(id, seat, provider, output, salt))`.
    function commitmentOf(uint256 id, uint256 seat, address provider, bytes32 output, bytes32 salt)
        external
        pure
        returns (bytes32);

    /// @notice The market this module serves.
    function market() external view returns (IJobMarket);
    /// @notice A request, or a zero struct.
    function requestOf(uint256 id) external view returns (Request memory);
    /// @notice A seat of a request, or a zero struct.
    function seatOf(uint256 id, uint256 seat) external view returns (Seat memory);
    /// @notice What `account` may claim in `token`.
    function claimable(address account, address token) external view returns (uint256);
    /// @notice Protocol fees accrued in `token`, not withdrawn.
    function feesAccrued(address token) external view returns (uint256);
    /// @notice Escrow of requests not yet settled, in `token`.
    function escrowed(address token) external view returns (uint256);
    /// @notice The number of requests made so far (the last id).
    function requestCount() external view returns (uint256);
    /// @notice Length of the reveal phase after the commit phase ends.
    function revealPeriod() external view returns (uint32);
    /// @notice Length of the appeal phase of a contested request.
    function appealPeriod() external view returns (uint32);
    /// @notice How long the arbiter has to rule.
    function arbitrationPeriod() external view returns (uint32);
    /// @notice Share of a liveness slash (committed, never revealed) paid to the client; the rest goes to the
    ///         market's treasury.
    function livenessRewardBps() external view returns (uint16);
}
