"""Least privilege on the synthesized template: each function's DynamoDB actions are exactly the declared ones
(no Scan; deletes and batch writes only where the code issues them), publishing to any SNS target (``*``, for
SMS) only in the one function that sends SMS, the others queueing their SMS to it, and the users' topics managed
only by the function that manages them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from goalpost import declaration
from tests.infra.test_stack import as_list, only_ref, policy_statements, refs

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

# What the data layer issues, found in goalpost.data: a Delete (in a transaction or alone) when a goal, a
# funding link, a position entry, a connected account (and its key's claim) or a tombstone (of a deleted goal or
# a disconnected account) is deleted; BatchWriteItem when a deleted goal's children are deleted (by the
# goal-cleanup worker), snapshots' group items are put and trading goals' results go as plain puts (the goals
# API's trading goals routes, end of day).
DELETING = {"goals-api", "goal-tracking-api", "positions-api", "accounts-api", "goal-cleanup-worker"}
BATCH_WRITING = {"goals-api", "goal-cleanup-worker", "snapshot-worker", "end-of-day-worker"}
# Delivery (goalpost.services.delivery) queues each alert's SMS in the function that raised it (the deferred ones in
# deliver-alerts); the SMS sender alone publishes them. The alerts API only manages the users' topics.
TOPIC_MANAGERS = {"alerts-api"}
SMS_SENDERS = {"sms-sender"}


def dynamodb_actions_by_table(synth: Synth, spec: declaration.Function) -> dict[str, set[str]]:
    table_ids = {synth.logical_id(table): key for key, table in synth.stack.data.tables.items()}
    actions_by_table: dict[str, set[str]] = {}
    for statement in policy_statements(synth, synth.function_id(spec.handler)):
        actions = {action for action in as_list(statement["Action"]) if action.startswith("dynamodb:")}
        if not actions:
            continue
        touched = {table_ids[ref] for ref in refs(statement["Resource"]) if ref in table_ids}
        assert touched, f"DynamoDB actions on something that is not a declared table: {statement}"
        for key in touched:
            actions_by_table.setdefault(key, set()).update(actions)
    return actions_by_table


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_each_function_may_do_exactly_its_declared_dynamodb_actions(synth: Synth, spec: declaration.Function) -> None:
    assert dynamodb_actions_by_table(synth, spec) == {
        key: {f"dynamodb:{action}" for action in actions} for key, actions in spec.tables.items()
    }


def test_no_function_scans_and_only_the_ones_whose_code_does_may_delete_or_batch_write(synth: Synth) -> None:
    granted = {spec.name: dynamodb_actions_by_table(synth, spec) for spec in declaration.ALL_FUNCTIONS}

    def having(action: str, table: str | None = None) -> set[str]:
        return {
            name
            for name, tables in granted.items()
            if any(action in actions for key, actions in tables.items() if table in (None, key))
        }

    assert having("dynamodb:Scan") == set()
    assert having("dynamodb:BatchWriteItem") == BATCH_WRITING
    assert having("dynamodb:DeleteItem", "data") == DELETING
    assert having("dynamodb:DeleteItem", "system") == {"accounts-api"}  # a disconnect frees its key's claim
    # An Idempotency-Key record is put and read, never changed nor deleted: its TTL removes it.
    assert having("dynamodb:GetItem", "idempotency")
    assert having("dynamodb:DeleteItem", "idempotency") == having("dynamodb:UpdateItem", "idempotency") == set()


def test_the_goal_cleanup_worker_may_unlink_a_disconnected_accounts_positions(synth: Synth) -> None:
    """Issue 25: the disconnect leaves its positions to the goal-cleanup worker, which finds them in the account
    index and unlinks each with a conditional UpdateItem; its coordinator only reads the tombstones."""
    [job] = [job for job in declaration.JOBS if job.function.name == "goal-cleanup"]
    assert job.worker is not None
    worker = dynamodb_actions_by_table(synth, job.worker)
    assert worker == {
        "data": {f"dynamodb:{action}" for action in ("GetItem", "BatchGetItem", "Query", "UpdateItem", "DeleteItem")}
        | {"dynamodb:BatchWriteItem"}
    }
    assert dynamodb_actions_by_table(synth, job.function) == {
        "data": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    }


def publish_statements(synth: Synth, spec: declaration.Function) -> list[dict[str, Any]]:
    return [
        statement
        for statement in policy_statements(synth, synth.function_id(spec.handler))
        if "sns:Publish" in as_list(statement["Action"])
    ]


def test_only_the_sms_sender_may_publish_anywhere(synth: Synth) -> None:
    """A phone number has no ARN, so an SMS needs sns:Publish on ``*``: only the one SMS sender gets it."""
    anywhere = {
        spec.name
        for spec in declaration.ALL_FUNCTIONS
        if any(statement["Resource"] == "*" for statement in publish_statements(synth, spec))
    }
    assert anywhere == SMS_SENDERS == {spec.name for spec in declaration.ALL_FUNCTIONS if spec.sends_sms}


def sms_queue_id(synth: Synth) -> str:
    return synth.logical_id(synth.stack.queues.queues[declaration.SMS_QUEUE.key])


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_the_alert_raisers_queue_their_sms_and_publish_only_to_topics(synth: Synth, spec: declaration.Function) -> None:
    """Every function that raises alerts may send to the SMS queue (that queue alone) and publish to the alerts
    topic and the users' own topics (email and webhooks), nothing else."""
    statements = policy_statements(synth, synth.function_id(spec.handler))
    sending = [s for s in statements if "sqs:SendMessage" in as_list(s["Action"])]
    queues = {ref for s in sending for ref in refs(s["Resource"])}
    assert (sms_queue_id(synth) in queues) == spec.user_notifications
    for statement in publish_statements(synth, spec):
        if spec.sends_sms:
            assert statement["Resource"] == "*"
            continue
        resources = as_list(statement["Resource"])
        user_topics = [r for r in resources if f":{declaration.USER_TOPIC_PREFIX}*" in str(r)]
        assert spec.user_notifications or not user_topics
        alerts_topic = synth.logical_id(synth.stack.alerts.topics[declaration.ALERTS_TOPIC.key])
        assert all(r in user_topics or set(refs(r)) == {alerts_topic} for r in resources), statement


def test_the_sms_sender_reads_its_queue_and_publishes_nothing_else(synth: Synth) -> None:
    (sender,) = (spec for spec in declaration.ALL_FUNCTIONS if spec.sends_sms)
    assert (sender.tables, sender.topics, sender.queues) == ({}, (), ())
    assert not sender.user_notifications
    statements = policy_statements(synth, synth.function_id(sender.handler))
    receiving = [s for s in statements if "sqs:ReceiveMessage" in as_list(s["Action"])]
    assert {ref for s in receiving for ref in refs(s["Resource"])} == {sms_queue_id(synth)}
    assert not [s for s in statements if "sqs:SendMessage" in as_list(s["Action"])]
    mappings = synth.resources("AWS::Lambda::EventSourceMapping").values()
    (mapping,) = [m for m in mappings if sms_queue_id(synth) in refs(m["Properties"]["EventSourceArn"])]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert only_ref(mapping["Properties"]["FunctionName"]) == synth.function_id(sender.handler)


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_only_the_alerts_api_manages_the_users_topics(synth: Synth, spec: declaration.Function) -> None:
    managing = [
        statement
        for statement in policy_statements(synth, synth.function_id(spec.handler))
        if "sns:CreateTopic" in as_list(statement["Action"])
    ]
    assert bool(managing) == (spec.name in TOPIC_MANAGERS) == spec.manages_user_topics
    for statement in managing:
        assert f":{declaration.USER_TOPIC_PREFIX}*" in str(statement["Resource"])
        assert "sns:Publish" not in as_list(statement["Action"])
        # The topic is made TLS-only after it is created (goalpost.edges.sns.user_topic).
        assert "sns:SetTopicAttributes" in as_list(statement["Action"])
        # An email subscription made before webhooks shared the topic is given its channel's filter.
        assert "sns:SetSubscriptionAttributes" in as_list(statement["Action"])


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_the_users_topics_are_encrypted_with_the_topics_key(synth: Synth, spec: declaration.Function) -> None:
    """The topic manager is told the key (it creates the topics with it); a sender may use it to publish."""
    environment = synth.json["Resources"][synth.function_id(spec.handler)]["Properties"]["Environment"]["Variables"]
    key_id = synth.logical_id(synth.stack.alerts.key)
    if spec.manages_user_topics:
        assert set(refs(environment[declaration.TOPICS_KEY_ENV])) == {key_id}
    else:
        assert declaration.TOPICS_KEY_ENV not in environment
    may_use_key = any(
        {"kms:Decrypt"} <= set(as_list(statement["Action"]))
        and any(action.startswith("kms:GenerateDataKey") for action in as_list(statement["Action"]))
        and key_id in set(refs(statement["Resource"]))
        for statement in policy_statements(synth, synth.function_id(spec.handler))
    )
    assert may_use_key == (spec.user_notifications or bool(spec.topics))
