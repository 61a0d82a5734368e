"""Safety nets on the deployed stack: daily AWS Backup of every table, termination protection, and the API
functions' timeouts under API Gateway's."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from aws_cdk import App

from goalpost import declaration
from infra.constructs.data import BACKUP_RETENTION
from infra.stack import GoalpostStack
from tests.infra.conftest import TEST_CONTEXT

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

API_GATEWAY_TIMEOUT_SECONDS = 30


def test_a_daily_backup_plan_keeps_35_days(synth: Synth) -> None:
    [plan] = synth.resources("AWS::Backup::BackupPlan").values()
    [rule] = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"  # every day
    assert rule["Lifecycle"] == {"DeleteAfterDays": 35}
    assert BACKUP_RETENTION.to_days() == 35
    [vault_id] = synth.resources("AWS::Backup::BackupVault")
    assert rule["TargetBackupVault"] == {"Fn::GetAtt": [vault_id, "BackupVaultName"]}


def test_the_backup_vault_outlives_the_stack(synth: Synth) -> None:
    [vault] = synth.resources("AWS::Backup::BackupVault").values()
    assert vault["DeletionPolicy"] == vault["UpdateReplacePolicy"] == "Retain"


def test_the_backup_selection_holds_every_table(synth: Synth) -> None:
    [plan_id] = synth.resources("AWS::Backup::BackupPlan")
    [selection] = synth.resources("AWS::Backup::BackupSelection").values()
    assert selection["Properties"]["BackupPlanId"] == {"Fn::GetAtt": [plan_id, "BackupPlanId"]}
    resources = selection["Properties"]["BackupSelection"]["Resources"]
    assert resources == [
        {"Fn::GetAtt": [synth.logical_id(synth.stack.data.tables[table.key]), "Arn"]} for table in declaration.TABLES
    ]


def test_only_aws_backups_own_managed_policy_is_acknowledged(synth: Synth) -> None:
    acknowledged = [
        rule["id"]
        for resource in synth.json["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        if rule["id"].startswith("AwsSolutions-IAM4")
    ]
    assert acknowledged == [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]"
    ]


def test_the_stack_has_termination_protection(synth: Synth) -> None:
    assert synth.stack.termination_protection is True
    manifest = json.loads((synth.outdir / "manifest.json").read_text(encoding="utf-8"))
    properties = manifest["artifacts"][synth.stack.artifact_id]["properties"]
    assert properties["terminationProtection"] is True


def test_a_stack_without_deletion_protection_has_no_termination_protection() -> None:
    """A disposable (dev) stack, whose tables may be deleted, may be deleted too."""
    app = App(context={**TEST_CONTEXT, "deletion_protection": "false"})
    stack = GoalpostStack(app, "Disposable", stack_name="Disposable")
    assert stack.termination_protection is False


def test_every_api_function_times_out_before_api_gateway(synth: Synth) -> None:
    """At 30 s, API Gateway's own timeout answered first with a bare 503 while the function ran on."""
    for spec in declaration.API_FUNCTIONS:
        function = synth.json["Resources"][synth.logical_id(synth.stack.functions.by_name[spec.name])]
        assert function["Properties"]["Timeout"] < API_GATEWAY_TIMEOUT_SECONDS, spec.name
