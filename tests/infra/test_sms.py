"""The account's SMS settings (infra/constructs/sms.py): Transactional by default, a monthly spend limit from the
``sms_monthly_spend_limit_usd`` context, set by a custom resource; an alarm at 80 % of that limit; and the SMS
queue worked like every other work queue (its dead-letter queue, the age of its oldest message)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from goalpost import declaration
from infra.constructs.sms import DEFAULT_MONTHLY_SPEND_LIMIT_USD, SPEND_ALARM_SHARE
from tests.infra.conftest import TEST_CONTEXT
from tests.infra.test_stack import as_list, only_ref, policy_statements

if TYPE_CHECKING:
    from types import ModuleType

    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra


def sms_attribute_calls(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``Create`` calls of every custom resource that sets the account's SMS attributes."""
    calls = []
    for resource in template["Resources"].values():
        if resource["Type"] != "Custom::AWS":
            continue
        create = resource["Properties"]["Create"]
        text = create if isinstance(create, str) else json.dumps(create)
        call = json.loads(text)
        if call["service"] == "SNS" and call["action"] == "setSMSAttributes":
            calls.append(call)
    return calls


def test_the_account_sends_transactional_sms_within_a_monthly_limit(synth: Synth) -> None:
    (call,) = sms_attribute_calls(synth.json)
    assert call["parameters"]["attributes"] == {
        "DefaultSMSType": "Transactional",
        "MonthlySpendLimit": DEFAULT_MONTHLY_SPEND_LIMIT_USD,
    }
    assert DEFAULT_MONTHLY_SPEND_LIMIT_USD == "1"  # AWS's own default quota: more needs a support case
    # Set again on every deployment, so that a changed limit reaches the account.
    update = synth.json["Resources"]
    assert all(
        json.loads(r["Properties"]["Update"])["parameters"] == call["parameters"]
        for r in update.values()
        if r["Type"] == "Custom::AWS"
    )


def test_the_custom_resource_may_only_set_sms_attributes(synth: Synth) -> None:
    (resource_id,) = [k for k, r in synth.json["Resources"].items() if r["Type"] == "Custom::AWS"]
    provider = synth.stack.sms.settings.node.find_child("CustomResourcePolicy")
    statements = [
        statement
        for policy_id, policy in synth.resources("AWS::IAM::Policy").items()
        if policy_id == synth.stack.get_logical_id(provider.node.default_child)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert [(as_list(s["Action"]), s["Resource"]) for s in statements] == [(["sns:SetSMSAttributes"], "*")]
    assert resource_id


def test_the_spend_limit_and_sender_settings_come_from_the_context(app_module: ModuleType, tmp_path: Any) -> None:
    context = {
        **TEST_CONTEXT,
        "sms_monthly_spend_limit_usd": "25",
        "sms_sender_id": "Goalpost",
        "sms_max_price_usd": "0.50",
    }
    app, stack = app_module.create_app(context=context, outdir=str(tmp_path))
    template = app.synth().get_stack_by_name(stack.stack_name).template
    (call,) = sms_attribute_calls(template)
    assert call["parameters"]["attributes"]["MonthlySpendLimit"] == "25"
    (alarm,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName") == "SMSMonthToDateSpentUSD"
    ]
    assert alarm["Threshold"] == 20
    # The sender ID and the maximum price per SMS reach the SMS sender, and no other function.
    told = {
        fn["Properties"]["Handler"]: fn["Properties"]["Environment"]["Variables"]
        for fn in template["Resources"].values()
        if fn["Type"] == "AWS::Lambda::Function" and "Environment" in fn["Properties"]
    }
    sender = told.pop(declaration.SMS_SENDER.handler)
    assert (sender[declaration.SMS_SENDER_ID_ENV], sender[declaration.SMS_MAX_PRICE_ENV]) == ("Goalpost", "0.50")
    assert not [env for env in told.values() if declaration.SMS_SENDER_ID_ENV in env]


INVALID_CONTEXT = [
    ("sms_monthly_spend_limit_usd", "0"),
    ("sms_monthly_spend_limit_usd", "ten"),
    ("sms_max_price_usd", "-1"),
    ("sms_sender_id", "not a valid id!"),
]


@pytest.mark.parametrize(("key", "value"), INVALID_CONTEXT)
def test_sms_context_that_is_not_valid_fails_the_synth(app_module: ModuleType, key: str, value: str) -> None:
    with pytest.raises(ValueError, match=key):
        app_module.create_app(context={**TEST_CONTEXT, key: value})


def test_spending_80_percent_of_the_limit_alarms_the_ops_topic(synth: Synth) -> None:
    alarms = [r["Properties"] for r in synth.resources("AWS::CloudWatch::Alarm").values()]
    (alarm,) = [a for a in alarms if a.get("MetricName") == "SMSMonthToDateSpentUSD"]
    assert alarm["Namespace"] == "AWS/SNS"
    assert alarm["Statistic"] == "Maximum"
    assert alarm["Threshold"] == float(Decimal(DEFAULT_MONTHLY_SPEND_LIMIT_USD) * SPEND_ALARM_SHARE) == 0.8
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    ops_topic = synth.logical_id(synth.stack.monitoring.topic)
    assert {"Ref": ops_topic} in alarm["AlarmActions"]
    assert "Runbook: docs/operations.md, section 'SMS spend'" in alarm["AlarmDescription"]


def test_the_sms_queue_is_a_work_queue_with_its_dead_letters_and_alarms(synth: Synth) -> None:
    queue = synth.stack.queues.queues[declaration.SMS_QUEUE.key]
    props = synth.json["Resources"][synth.logical_id(queue)]["Properties"]
    assert props["SqsManagedSseEnabled"] is True
    assert props["RedrivePolicy"]["maxReceiveCount"] == declaration.SMS_QUEUE.max_receive_count
    names = {a["Properties"]["AlarmName"] for a in synth.resources("AWS::CloudWatch::Alarm").values()}
    prefix = synth.stack.stack_name
    assert f"{prefix}-{declaration.SMS_QUEUE.key}-queue-oldest-message" in names
    assert f"{prefix}-{declaration.SMS_QUEUE.key}-queue-dead-letters" in names
    assert f"{prefix}-{declaration.SMS_SENDER.name}-errors" in names
    sender = synth.function_id(declaration.SMS_SENDER.handler)
    assert declaration.SMS_SENDER.timeout_seconds <= declaration.SMS_QUEUE.visibility_timeout_seconds
    (mapping,) = [
        m["Properties"]
        for m in synth.resources("AWS::Lambda::EventSourceMapping").values()
        if synth.refs(m["Properties"]["FunctionName"]) == {sender}
    ]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": declaration.SMS_DELIVERY.max_concurrency}
    assert "MaximumBatchingWindowInSeconds" not in mapping  # an SMS goes at once, not after a batching window
    assert policy_statements(synth, sender)


def test_the_custom_resource_provider_has_its_own_role_and_log_group(synth: Synth) -> None:
    """The CDK's Node.js provider runs with a role of ours (no managed policy: it may write its own log group
    only) and a log group with the functions' retention."""
    provider = synth.json["Resources"][synth.logical_id(synth.stack.sms.provider)]["Properties"]
    assert provider["Runtime"].startswith("nodejs")
    role = synth.json["Resources"][only_ref(provider["Role"])]["Properties"]
    assert "ManagedPolicyArns" not in role
    log_group = synth.json["Resources"][only_ref(provider["LoggingConfig"]["LogGroup"])]["Properties"]
    assert log_group["RetentionInDays"] == 30
