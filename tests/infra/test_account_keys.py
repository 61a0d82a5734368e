"""The connected accounts' KMS key, who may use it and how; the account sync job's schedule and queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from goalpost import declaration
from tests.infra.conftest import Synth
from tests.infra.test_stack import as_list, policy_statements, refs

pytestmark = pytest.mark.infra

ACCOUNT_SYNC = declaration.JOBS_BY_NAME["account_sync"]
EXPECTED_ACTIONS = {
    declaration.ACCOUNTS_API.name: {"kms:GenerateDataKey", "kms:Decrypt"},
    "account-sync-worker": {"kms:Decrypt"},
}
DATA_KEY_CONDITION = {
    "StringEquals": {"kms:EncryptionContext:purpose": "goalpost-connected-accounts"},
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["purpose"]},
}
DIRECT_CONDITION = {
    "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["user_id", "account_id"]},
    "Null": {"kms:EncryptionContextKeys": "false"},
}


def key_id(synth: Synth) -> str:
    return synth.logical_id(synth.stack.account_keys.key)


def test_the_accounts_key_is_rotated_and_retained(synth: Synth) -> None:
    key = synth.json["Resources"][key_id(synth)]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert "connected accounts" in key["Properties"]["Description"]


def test_only_the_accounts_api_and_the_sync_worker_may_use_the_key() -> None:
    users = {f.name: f.account_keys for f in declaration.ALL_FUNCTIONS if f.account_keys != "none"}
    assert users == {declaration.ACCOUNTS_API.name: "encrypt_decrypt", "account-sync-worker": "decrypt"}


def _statements_on_key(synth: Synth, spec: declaration.Function) -> list[dict[str, Any]]:
    return [
        statement
        for statement in policy_statements(synth, synth.function_id(spec.handler))
        if key_id(synth) in set(refs(statement["Resource"]))
    ]


@pytest.mark.parametrize("spec", declaration.ALL_FUNCTIONS, ids=lambda f: f.name)
def test_each_function_may_use_the_key_exactly_as_declared(synth: Synth, spec: declaration.Function) -> None:
    """Data keys (made or opened) only under the vault's data-key context; a direct ciphertext of before
    envelope encryption only opened (never made) under an account's context."""
    statements = _statements_on_key(synth, spec)
    actions = {action for statement in statements for action in as_list(statement["Action"])}
    assert actions == EXPECTED_ACTIONS.get(spec.name, set())
    by_condition = {
        json.dumps(statement["Condition"], sort_keys=True): set(as_list(statement["Action"]))
        for statement in statements
    }
    if spec.name in EXPECTED_ACTIONS:
        assert by_condition == {
            json.dumps(DATA_KEY_CONDITION, sort_keys=True): EXPECTED_ACTIONS[spec.name],
            json.dumps(DIRECT_CONDITION, sort_keys=True): {"kms:Decrypt"},
        }
    env = synth.json["Resources"][synth.function_id(spec.handler)]["Properties"]["Environment"]["Variables"]
    if spec.name in EXPECTED_ACTIONS:
        assert env[declaration.ACCOUNTS_KEY_ENV] == {"Fn::GetAtt": [key_id(synth), "Arn"]}
    else:
        assert declaration.ACCOUNTS_KEY_ENV not in env


def test_no_other_policy_names_the_key(synth: Synth) -> None:
    """No role but those two functions' is granted anything on the key (the key policy is the account's own)."""
    allowed_roles = {
        next(refs(synth.json["Resources"][synth.function_id(f.handler)]["Properties"]["Role"]))
        for f in declaration.ALL_FUNCTIONS
        if f.name in EXPECTED_ACTIONS
    }
    for policy in synth.resources("AWS::IAM::Policy").values():
        if any(key_id(synth) in set(refs(s["Resource"])) for s in policy["Properties"]["PolicyDocument"]["Statement"]):
            assert set(refs(policy["Properties"]["Roles"])) <= allowed_roles


def test_the_account_sync_job_runs_every_minute_through_its_queue(synth: Synth) -> None:
    assert ACCOUNT_SYNC.schedule.expression == "rate(1 minute)"
    rule = synth.json["Resources"][synth.logical_id(synth.stack.jobs.rules[ACCOUNT_SYNC.function.name])]
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    coordinator = synth.function_id(ACCOUNT_SYNC.function.handler)
    assert coordinator in set(refs(rule["Properties"]["Targets"]))
    assert ACCOUNT_SYNC.queue is declaration.ACCOUNT_SYNC_QUEUE
    assert ACCOUNT_SYNC.worker is not None
    queue_id = synth.logical_id(synth.stack.queues.queues[declaration.ACCOUNT_SYNC_QUEUE.key])
    worker_id = synth.function_id(ACCOUNT_SYNC.worker.handler)
    [mapping] = [
        m["Properties"]
        for m in synth.resources("AWS::Lambda::EventSourceMapping").values()
        if worker_id in set(refs(m["Properties"]["FunctionName"]))
    ]
    assert queue_id in set(refs(mapping["EventSourceArn"]))
    assert mapping["BatchSize"] == 1
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": ACCOUNT_SYNC.max_workers}
