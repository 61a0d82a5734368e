"""Email and SMS deliveries in the data table.

- ``USER#u / PREFS``: the delivery counters (``sent_day`` in the user's time zone, ``sent_count``,
  ``last_sent_at``) that the daily cap and minimum gap are enforced on with conditional writes.
- ``USER#u / DELIVERY#<alert id>#<channel>``: a deferred email/SMS delivery; gsi3 ``DUE#<shard>`` /
  ``<due at>#u#<alert id>#<channel>`` while it waits. The delivery job claims one with a conditional write
  (a lease), sends it, then deletes it: two runs at once never send it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from goalpost.data import keys
from goalpost.data.alerts import delivered_update, unread_update
from goalpost.data.batches import batches
from goalpost.data.client import client, is_condition_failure
from goalpost.data.codec import Item, key, serialize, serialize_value
from goalpost.data.preferences import index_values, prefs_key
from goalpost.data.queries import query_all
from goalpost.data.transactions import TRANSACTION_LIMIT, Transaction, TransactionContended, TransactionRefused
from goalpost.domain.alerts import Alert

EARLIEST_DUE = "0"  # below every ISO timestamp


def slot_update(
    table: str, user_id: str, *, day: str, count: int, cap: int, now: datetime, gap_start: datetime, same_day: bool
) -> dict[str, Any]:
    """The conditional update that takes ``count`` of the day's delivery slots at once: below the cap and past
    the minimum gap (conditions of the write itself, so concurrent raisers cannot go past them). ``same_day``:
    the stored count is of ``day`` already (else the day starts again at ``count``)."""
    values = {":day": {"S": day}, ":now": serialize_value(now), ":count": {"N": str(count)}}
    # Without a minimum gap there is nothing to compare: two alerts raised at once may reserve in either
    # order, and the later-stamped one going first must not shut out the earlier one.
    gap = ""
    if gap_start < now:
        gap = " AND (attribute_not_exists(last_sent_at) OR last_sent_at <= :gap_start)"
        values[":gap_start"] = serialize_value(gap_start)
    # The PREFS item this creates, or one stored before the index held it, goes into its index partition with it
    # (data.preferences.index_keys).
    values.update(index_values(user_id))
    if same_day:  # one more, below the cap
        expression = "SET last_sent_at = :now, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD sent_count :count"
        condition = f"sent_day = :day AND sent_count <= :room{gap}"
        values[":room"] = {"N": str(cap - count)}
    else:  # a new day: the count starts again
        expression = "SET sent_day = :day, sent_count = :count, last_sent_at = :now, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk"
        condition = f"(attribute_not_exists(sent_day) OR sent_day <> :day) AND :count <= :cap{gap}"
        values[":cap"] = {"N": str(cap)}
    return {
        "Update": {
            "TableName": table,
            "Key": prefs_key(user_id),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
    }


def delivery_item(
    alert: Alert, channel: str, target: str, due_at: datetime, lease: tuple[str, datetime] | None = None
) -> Item:
    """A delivery waiting in the outbox; with ``lease`` (run id, until when), already held by that run, which
    is about to send it (if the run dies, the delivery job sends it once the lease is over)."""
    shard = keys.shard_of(alert.id, keys.DELIVERY_SHARDS)
    item: Item = {
        "pk": keys.user_pk(alert.user_id),
        "sk": keys.delivery_sk(alert.id, channel),
        "entity": "delivery",
        "channel": channel,
        "target": target,
        "due_at": due_at,
        "alert": alert.model_dump(mode="json"),
        "gsi3pk": keys.due_pk(shard),
        "gsi3sk": f"{due_at.isoformat()}#{alert.user_id}#{alert.id}#{channel}",
    }
    if lease is not None:
        item.update(claimed_by=lease[0], lease_until=lease[1])
    return item


def delivery_put(table: str, item: Item) -> dict[str, Any]:
    """The transaction item that stores a delivery unless it is there already (deferred or sent before by an
    earlier release of the same alert: then it is not for this one to send)."""
    return {"Put": {"TableName": table, "Item": serialize(item), "ConditionExpression": "attribute_not_exists(pk)"}}


@dataclass(frozen=True)
class Plan:
    """One released alert's writes: its deliveries (each stored unless recorded before), and its delivered
    mark with ``channels`` (and, ``uncount``, its way out of the unread index and counter)."""

    alert: Alert
    deliveries: Sequence[Item]
    channels: list[str]
    uncount: bool = False  # in-app alerts are off for its owner: out of the unread index and counter


@dataclass(frozen=True)
class LostRace:
    """What refused a release's write: the slot reservation (another release took slots meanwhile), and the
    deliveries an earlier release of the same alert recorded, as (alert id, channel), and the alerts an uncount
    found out of the unread index already."""

    reservation: bool
    recorded: frozenset[tuple[str, str]]
    counted_already: frozenset[str] = frozenset()  # alerts not to uncount: read or uncounted before
    done: bool = False  # a delivery in ``sent`` was taken over (its lease was over): record each on its own
    preferences: bool = False  # the preferences are not as the release read them (``guard``): read them again


def write_plans(
    table: str,
    reservation: dict[str, Any] | None,
    plans: Sequence[Plan],
    now: datetime,
    *,
    sent: Sequence[Item] = (),
    run_id: str = "",
    guard: dict[str, Any] | None = None,
) -> LostRace | None:
    """Writes the plans and the ``reservation`` of the slots they take (a ``slot_update``; None when they take
    none) all or nothing, in one request (at most ``TRANSACTION_LIMIT`` items: the caller chunks); and the
    deliveries ``sent`` by ``run_id`` recorded as sent (``done_update``), for a release whose plan was stored
    before; and ``guard``, a transaction item on the owner's preferences (``preferences.unchanged_since``, or
    ``preferences.indexed``). None when written, else what lost its race."""
    transaction = Transaction()
    if reservation is not None:
        # One item once in a transaction: the reservation is of the PREFS item too, so it carries the guard's
        # condition (a refusal says "reservation" then, which reads the preferences again too) and indexes it.
        reservation = reservation if guard is None else _guarded(reservation, guard)
        transaction.add(reservation, role="reservation")
    elif guard is not None:
        transaction.add(guard, role="preferences")
    transaction.add_all((done_update(table, item, run_id, now) for item in sent), role="done")
    deliveries: dict[str, tuple[str, str]] = {}
    for plan in plans:
        for delivery in plan.deliveries:
            recorded = (plan.alert.id, str(delivery["channel"]))
            role = f"delivery:{recorded[0]}#{recorded[1]}"
            deliveries[role] = recorded
            transaction.add(delivery_put(table, delivery), role=role)
        delivered = delivered_update(table, plan.alert, now, plan.channels, uncount=plan.uncount)
        transaction.add(delivered, role=f"uncount:{plan.alert.id}" if plan.uncount else "delivered")
    uncounted = [plan for plan in plans if plan.uncount]
    if uncounted:  # one update of the owner's counter (a release's plans are one owner's)
        transaction.add(unread_update(table, uncounted[0].alert.user_id, -len(uncounted)), role="unread_alerts")
    try:
        transaction.write()
    except TransactionRefused as refused:
        return LostRace(
            preferences="preferences" in refused.failed_roles,
            done="done" in refused.failed_roles,
            reservation="reservation" in refused.failed_roles,
            recorded=frozenset(deliveries[role] for role in refused.failed_roles if role in deliveries),
            counted_already=frozenset(
                role.removeprefix("uncount:") for role in refused.failed_roles if role.startswith("uncount:")
            ),
        )
    return None


def _guarded(reservation: dict[str, Any], guard: dict[str, Any]) -> dict[str, Any]:
    """The reservation, also conditional on ``guard``'s condition (when it is a ConditionCheck)."""
    check = guard.get("ConditionCheck")
    if check is None:
        return reservation
    update = reservation["Update"]
    return {
        "Update": {
            **update,
            "ConditionExpression": f"({update['ConditionExpression']}) AND ({check['ConditionExpression']})",
            "ExpressionAttributeValues": {
                **update["ExpressionAttributeValues"],
                **check.get("ExpressionAttributeValues", {}),
            },
        }
    }


def due(table: str, shard: int, now: datetime) -> list[Item]:
    """Deferred deliveries of one shard due by ``now`` (oldest first; sort keys begin with an ISO time)."""
    return query_all(
        table=table,
        partition=keys.due_pk(shard),
        sort_prefix=None,
        index="gsi3",
        newest_first=False,
        between=(EARLIEST_DUE, f"{now.isoformat()}#~"),
    )


def claim(table: str, item: Item, run_id: str, now: datetime, lease_until: datetime) -> bool:
    """Takes a delivery for this run unless it was sent, or another run holds an unexpired lease on it."""
    try:
        client().update_item(
            TableName=table,
            Key=key(str(item["pk"]), str(item["sk"])),
            UpdateExpression="SET claimed_by = :run, lease_until = :until",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(sent_at) "
            "AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            ExpressionAttributeValues={
                ":run": {"S": run_id},
                ":until": serialize_value(lease_until),
                ":now": serialize_value(now),
            },
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


SENT_KEPT = timedelta(days=7)  # long enough for any retry of the alert's release to find it


def done_update(table: str, item: Item, run_id: str, now: datetime) -> dict[str, Any]:
    """The update that records a delivery as sent (only while ``run_id`` still holds it): out of the due
    index, kept a while so that a retried release of the same alert finds it and sends nothing twice, then
    expired by TTL."""
    return {
        "Update": {
            "TableName": table,
            "Key": key(str(item["pk"]), str(item["sk"])),
            "UpdateExpression": "SET sent_at = :now, expires_at = :expires REMOVE gsi3pk, gsi3sk, lease_until",
            "ConditionExpression": "claimed_by = :run",
            "ExpressionAttributeValues": {
                ":run": {"S": run_id},
                ":now": serialize_value(now),
                ":expires": {"N": str(int((now + SENT_KEPT).timestamp()))},
            },
        }
    }


def done(table: str, item: Item, run_id: str, now: datetime) -> None:
    """Records one delivery as sent, if this run still holds it (else whoever took it over records it)."""
    try:
        client().update_item(**done_update(table, item, run_id, now)["Update"])
    except ClientError as error:
        if not is_condition_failure(error):
            raise


def done_all(table: str, items: list[Item], run_id: str, now: datetime) -> None:
    """Records the deliveries one release sent: one request (a transaction of up to 100); should one of them
    have been taken over meanwhile (the run outlived its lease), each is recorded on its own instead."""
    for chunk in batches(items, TRANSACTION_LIMIT):
        if len(chunk) == 1:
            done(table, chunk[0], run_id, now)
            continue
        transaction = Transaction().add_all((done_update(table, item, run_id, now) for item in chunk), role="done")
        try:
            transaction.write()
        except (TransactionRefused, TransactionContended):
            for item in chunk:
                done(table, item, run_id, now)


def outbox(table: str) -> list[Item]:
    """Alerts whose publish to the shared topic failed (the sparse OUTBOX index), oldest first."""
    return query_all(table=table, partition="OUTBOX", sort_prefix=None, index="gsi3", newest_first=False)
