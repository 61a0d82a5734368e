"""Every key of the data and system tables in one place. Every partition key of the data table begins with
its owner (USER#<sub>); the index partitions that gather many users' items (the users registry, the monitor's
trigger and timeout indexes, due deliveries) and the system table's keys do not."""

from __future__ import annotations

import zlib
from decimal import Decimal, localcontext


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def goal_sk(goal_id: str) -> str:
    return f"GOAL#{goal_id}"


GOAL_PREFIX = "GOAL#"


def goal_children_pk(user_id: str, goal_id: str) -> str:
    """The partition of a goal's progress entries and funding links (deleted with the goal)."""
    return f"USER#{user_id}#GOAL#{goal_id}"


def deleted_goal_sk(goal_id: str) -> str:
    """``USER#u / DELETED_GOAL#<id>``: a deleted goal whose children partition the goal-cleanup worker has yet to
    empty (its tombstone, written by the delete's own transaction)."""
    return f"DELETED_GOAL#{goal_id}"


# The tombstones are in gsi3 ``DELETED_GOALS#<shard>``, oldest first: the goal-cleanup job reads every shard.
DELETED_GOAL_SHARDS = 4


def deleted_goals_pk(shard: int) -> str:
    return f"DELETED_GOALS#{shard}"


def deleted_account_sk(account_id: str) -> str:
    """``USER#u / DELETED_ACCOUNT#<id>``: a disconnected account whose positions the goal-cleanup worker has yet
    to unlink (its tombstone, written by the disconnect's own transaction)."""
    return f"DELETED_ACCOUNT#{account_id}"


# Their tombstones are in gsi3 ``DELETED_ACCOUNTS#<shard>``, oldest first, read alongside the goals' shards.
DELETED_ACCOUNT_SHARDS = 4


def deleted_accounts_pk(shard: int) -> str:
    return f"DELETED_ACCOUNTS#{shard}"


PROGRESS_PREFIX = "PROGRESS#"


def progress_sk(period_date: str, entry_id: str) -> str:
    return f"PROGRESS#{period_date}#{entry_id}"


def progress_day_end(period_date: str) -> str:
    """Sorts after every entry of that day (ULIDs are upper-case base32)."""
    return f"PROGRESS#{period_date}#~"


FUNDING_PREFIX = "FUNDING#"


def funding_sk(account_id: str) -> str:
    return f"FUNDING#{account_id}"


BUDGET_PREFIX = "BUDGET#"


def budget_sk(period: str) -> str:
    """``BUDGET#yyyy-mm``: one snapshot per month; the latest sorts last."""
    return f"BUDGET#{period}"


def goals_by_status_pk(user_id: str, status: str) -> str:
    return f"USER#{user_id}#GOALS#STATUS#{status}"


def goals_by_type_pk(user_id: str, goal_type: str) -> str:
    return f"USER#{user_id}#GOALS#TYPE#{goal_type}"


def goals_by_status_and_type_pk(user_id: str, status: str, goal_type: str) -> str:
    return f"USER#{user_id}#GOALS#STATUS#{status}#TYPE#{goal_type}"


ALERT_PREFIX = "ALERT#"


def alert_sk(alert_id: str) -> str:
    return f"ALERT#{alert_id}"


def alert_guard_sk(digest: str) -> str:
    return f"ALERTKEY#{digest}"


def unread_alerts_pk(user_id: str) -> str:
    return f"USER#{user_id}#ALERTS#UNREAD"


def alerts_by_type_pk(user_id: str, alert_type: str) -> str:
    return f"USER#{user_id}#ALERTS#TYPE#{alert_type}"


PROFILE_SK = "PROFILE"


# ---------------------------------------------------------------- portfolio (data table)
# The users registry is spread over this many index partitions. The snapshot job queues one message a shard,
# and its worker reads a whole shard in one invocation: 64 keeps a shard near 16,000 users at 1,000,000 users.
USER_SHARDS = 64
SYMBOL_SHARDS = 8  # and the active symbols (system table) over this many partitions


def shard_of(value: str, shards: int) -> int:
    return zlib.crc32(value.encode()) % shards


def registry_values(user_id: str) -> dict[str, dict[str, str]]:
    """The values ``:registry`` and ``:user`` of an update that puts the user's profile in the registry (gsi3)."""
    return {
        ":registry": {"S": users_registry_pk(shard_of(user_id, USER_SHARDS))},
        ":user": {"S": user_pk(user_id)},
    }


def users_registry_pk(shard: int) -> str:
    """gsi3 partition of the profiles of users with a portfolio (cash or positions): the snapshot job's list."""
    return f"USERS#{shard:02d}"


POSITION_PREFIX = "POSITION#"


def position_sk(position_id: str) -> str:
    return f"POSITION#{position_id}"


def positions_by_status_pk(user_id: str, status: str) -> str:
    return f"USER#{user_id}#POSITIONS#STATUS#{status}"


def positions_by_symbol_pk(user_id: str, symbol: str) -> str:
    return f"USER#{user_id}#POSITIONS#SYMBOL#{symbol}"


# Sparse indexes of the positions that carry an attribution (set only when the attribute is): gsi6 by bot, gsi7 by
# prompt, gsi8 by connected account; each sorted like the table (``POSITION#<ulid>``, newest last).
def positions_by_bot_pk(user_id: str, bot_id: str) -> str:
    return f"USER#{user_id}#POSITIONS#BOT#{bot_id}"


def positions_by_prompt_pk(user_id: str, prompt_id: str) -> str:
    return f"USER#{user_id}#POSITIONS#PROMPT#{prompt_id}"


def positions_by_account_pk(user_id: str, account_id: str) -> str:
    return f"USER#{user_id}#POSITIONS#ACCOUNT#{account_id}"


ACCOUNT_SHARDS = 64


def accounts_registry_pk(shard: int) -> str:
    """gsi3 partition of the connected accounts of one shard: the account sync job's list (a worker reads one)."""
    return f"ACCOUNTS#{shard:02d}"


def account_registry_sk(user_id: str, account_id: str) -> str:
    return f"USER#{user_id}#ACCOUNT#{account_id}"


def account_sk(account_id: str) -> str:
    """``USER#u / ACCOUNT#<id>``: a connected exchange or broker account (written by the accounts' routes)."""
    return f"ACCOUNT#{account_id}"


# ``USER#u / OPEN_POSITIONS``: how many positions the user has open (``open_count``), kept by the open, close and
# delete transactions so the per-user cap holds under concurrent opens.
OPEN_COUNT_SK = "OPEN_POSITIONS"

# The monitor's trigger indexes (sparse: OPEN positions only). A position is in gsi3 ``DN#<symbol>`` under its
# down trigger and in gsi4 ``UP#<symbol>`` under its up trigger (``domain.positions.triggers``), so one Query a
# direction finds exactly the positions a price reaches; gsi5 ``TIMEOUT#<shard>`` sorts those with a
# ``max_duration_minutes`` by their deadline.
TIMEOUT_SHARDS = 4


def down_trigger_pk(symbol: str) -> str:
    return f"DN#{symbol}"


def up_trigger_pk(symbol: str) -> str:
    return f"UP#{symbol}"


def timeout_pk(shard: int) -> str:
    return f"TIMEOUT#{shard}"


def timeout_shard_pk(position_id: str) -> str:
    return timeout_pk(shard_of(position_id, TIMEOUT_SHARDS))


# A price level as a sort key: 40 digits, fixed point with 20 decimals, so that string order is numeric order.
LEVEL_DECIMALS = 20
LEVEL_DIGITS = 40
_LEVEL_QUANTUM = Decimal(1).scaleb(-LEVEL_DECIMALS)
LOWEST_LEVEL = "0" * LEVEL_DIGITS
HIGHEST_LEVEL = "9" * LEVEL_DIGITS


def level_key(value: Decimal, rounding: str) -> str:
    """``value`` as a sortable key, rounded (``ROUND_CEILING``/``ROUND_FLOOR``) so that a comparison of keys
    can only include more than the exact comparison, never less; clamped to the key's range."""
    with localcontext() as context:
        context.prec = 2 * LEVEL_DIGITS
        scaled = int(value.quantize(_LEVEL_QUANTUM, rounding=rounding).scaleb(LEVEL_DECIMALS))
    return f"{min(max(scaled, 0), 10**LEVEL_DIGITS - 1):0{LEVEL_DIGITS}d}"


PERF_PREFIX = "PERF#"


def perf_sk(strategy: str) -> str:
    return f"PERF#{strategy}"


def month_sk(month: str) -> str:
    """``MONTH#yyyy-mm``: the month's figures (realized P&L, recorded profit, start value)."""
    return f"MONTH#{month}"


def snapshots_pk(user_id: str) -> str:
    return f"USER#{user_id}#SNAP"


def snapshot_tier_pk(user_id: str, tier: str) -> str:
    return f"USER#{user_id}#SNAP#{tier}"


# ---------------------------------------------------------------- system table
# The price cache is packed: every symbol's price is an attribute of one of PRICE_SHARDS items (``PRICES#<shards>#
# <shard> / PRICES``), so that a run of the price update writes a few dozen items of a few KB, not one item a
# symbol. 88 so that any portfolio's prices (every shard at worst) and the few other items a valuation reads by
# key (the profile, the month, the trading goals, the preferences: at most 12) fit one BatchGetItem of 100 keys;
# a multiple of SYMBOL_SHARDS so that each shard of the price update writes items of its own. The shard count is
# part of the key: items of another count (the 256 ``PRICES#<nnn>`` before) are never read again.
PRICE_SHARDS = 88
PRICES_SK = "PRICES"


def prices_pk(shard: int) -> str:
    return f"PRICES#{PRICE_SHARDS}#{shard:02d}"


def price_shard_pk(symbol: str) -> str:
    """The partition of the item that holds ``symbol``'s price."""
    return prices_pk(shard_of(symbol, PRICE_SHARDS))


def symbols_pk(shard: int) -> str:
    return f"SYMBOLS#{shard:02d}"


# ---------------------------------------------------------------- trading goals, preferences, deliveries (data table)
TRADING_GOAL_PREFIX = "TGOAL#"


def trading_goal_sk(goal_type: str) -> str:
    return f"TGOAL#{goal_type}"


def trading_history_pk(user_id: str, goal_type: str) -> str:
    return f"USER#{user_id}#TGOAL#{goal_type}"


def day_sk(day: str) -> str:
    return f"DAY#{day}"


TARGETS_PREFIX = "TARGETS#"


def targets_sk(changed_at: str, change_id: str) -> str:
    return f"TARGETS#{changed_at}#{change_id}"


PREFS_SK = "PREFS"
DELIVERY_SHARDS = 4


def delivery_sk(alert_id: str, channel: str) -> str:
    return f"DELIVERY#{alert_id}#{channel}"


def due_pk(shard: int) -> str:
    """gsi3 partition of deferred deliveries (sparse: removed once sent), sorted by when they are due."""
    return f"DUE#{shard}"
