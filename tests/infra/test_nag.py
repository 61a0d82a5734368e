"""cdk-nag's AwsSolutions pack passes, and every acknowledgement is specific and explained.

cdk-nag 3 is a CDK policy-validation plugin: it reports after synthesis (``validation-report.json``) rather
than as annotations, and acknowledgements are ``Validations.of(construct).acknowledge(...)``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match
from cdk_nag import AwsSolutionsChecks

from goalpost import declaration
from infra.constructs._common import MIN_REASON_LENGTH, acknowledge

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]

# Every rule the stack acknowledges. A new one needs a conscious edit here (and a reason in the code).
ACKNOWLEDGED_RULES = {
    "AwsSolutions-IAM5",
    "AwsSolutions-APIG4",
    "AwsSolutions-COG2",
    "AwsSolutions-COG8",
    "AwsSolutions-SQS3",
    "AwsSolutions-SMG4",
}


def acknowledgements(synth: Synth) -> dict[str, list[dict[str, str]]]:
    """Logical id -> the cdk_nag ``rules_to_suppress`` written to the template metadata."""
    return {
        logical_id: resource["Metadata"]["cdk_nag"]["rules_to_suppress"]
        for logical_id, resource in synth.json["Resources"].items()
        if "cdk_nag" in resource.get("Metadata", {})
    }


def test_aws_solutions_finds_nothing_unacknowledged(synth: Synth) -> None:
    report = AwsSolutionsChecks().validate_scope(synth.app)
    findings = [
        f"{violation.severity} {violation.rule_name}: "
        + ", ".join(resource.construct_path or "?" for resource in violation.violating_resources)
        for violation in report.violations
    ]
    assert findings == []
    assert report.success


def test_the_synth_validation_report_is_clean(synth: Synth) -> None:
    """What `cdk synth` prints: cdk-nag and the CDK's built-in CloudFormation validation, nothing left."""
    report: dict[str, Any] = json.loads((synth.outdir / "validation-report.json").read_text(encoding="utf-8"))
    violations = [violation for plugin in report["pluginReports"] for violation in plugin.get("violations", [])]
    assert violations == []


def test_no_annotation_errors_or_warnings(synth: Synth) -> None:
    annotations = Annotations.from_stack(synth.stack)
    assert annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*")) == []
    assert annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*")) == []
    # Nor anything else the CDK warns about (deprecated APIs, ignored properties, ...).
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


def test_every_acknowledgement_gives_a_reason(synth: Synth) -> None:
    found = acknowledgements(synth)
    assert found, "no cdk_nag metadata: is write_suppressions_to_cloud_formation still on?"
    for logical_id, rules in found.items():
        for rule in rules:
            assert len(rule["reason"].strip()) >= MIN_REASON_LENGTH, (logical_id, rule)


def test_only_the_expected_rules_are_acknowledged(synth: Synth) -> None:
    rules = {rule["id"].split("[", 1)[0] for found in acknowledgements(synth).values() for rule in found}
    assert rules == ACKNOWLEDGED_RULES


USER_TOPICS = f"{declaration.USER_TOPIC_PREFIX}*"


def test_wildcard_acknowledgements_name_their_findings(synth: Synth) -> None:
    """IAM5 is only ever acknowledged for named findings, never wholesale."""
    for rules in acknowledgements(synth).values():
        for rule in rules:
            if rule["id"].startswith("AwsSolutions-IAM5"):
                assert rule["id"].startswith("AwsSolutions-IAM5["), rule
                assert rule["id"].endswith("]"), rule
                finding = rule["id"][len("AwsSolutions-IAM5[") : -1]
                user_topics = f"Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:{USER_TOPICS}"
                assert finding in {"Resource::*", "Action::kms:GenerateDataKey*", user_topics} or finding.endswith(
                    (".Arn>/index/*", ".Arn>:*")
                ), finding


def test_function_qualifier_wildcards_are_acknowledged_only_for_the_workflow_invoking_that_function(
    synth: Synth,
) -> None:
    """``<function.Arn>:*`` (its versions and aliases) only on the role of the workflow that runs that job."""
    found = acknowledgements(synth)
    expected = set()
    for name, machine in synth.stack.jobs.state_machines.items():
        policy = machine.role.node.find_child("DefaultPolicy")
        function_id = synth.logical_id(synth.stack.functions.by_name[name])
        expected.add((synth.logical_id(policy), f"AwsSolutions-IAM5[Resource::<{function_id}.Arn>:*]"))
    actual = {
        (logical_id, rule["id"])
        for logical_id, rules in found.items()
        for rule in rules
        if rule["id"].startswith("AwsSolutions-IAM5[") and rule["id"].endswith(".Arn>:*]")
    }
    assert actual == expected
    assert expected, "no sub-minute job: this test checks nothing"


def test_only_declared_secrets_are_acknowledged_for_rotation(synth: Synth) -> None:
    found = acknowledgements(synth)
    acknowledged = {
        logical_id for logical_id, rules in found.items() if any(rule["id"] == "AwsSolutions-SMG4" for rule in rules)
    }
    assert acknowledged == {synth.logical_id(secret) for secret in synth.stack.secrets.secrets.values()}


def test_only_public_routes_are_acknowledged_as_unauthorized(synth: Synth) -> None:
    found = acknowledgements(synth)
    routes = synth.resources("AWS::ApiGatewayV2::Route")
    acknowledged = {
        routes[logical_id]["Properties"]["RouteKey"]
        for logical_id, rules in found.items()
        if logical_id in routes and any(rule["id"] == "AwsSolutions-APIG4" for rule in rules)
    }
    public = {route.route_key for spec in declaration.API_FUNCTIONS for route in spec.routes if route.public}
    assert acknowledged == public


def test_the_checks_fail_the_synth_on_a_finding(app_module: ModuleType) -> None:
    """The gate itself: app.py's checks turn an unacknowledged finding into a failed synth."""
    app = App()
    sqs.Queue(Stack(app, "Probe"), "Unencrypted", encryption=sqs.QueueEncryption.UNENCRYPTED)
    app_module.add_checks(app)
    with pytest.raises(Exception, match="AwsSolutions-SQS"):
        app.synth()


def test_app_synthesizes_like_cdk_synth_without_credentials(tmp_path: Path) -> None:
    """Run app.py the way the CDK CLI does (context in CDK_CONTEXT_JSON, output in CDK_OUTDIR) with no AWS
    credentials or profile in sight, and with the nag gate failing the synth on any finding."""
    context = {**json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"], "stack_name": "GoalpostProbe"}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CDK_", "PYTEST_")) and key != "NODE_ENV"
    }
    env |= {
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-5000:]
    template = json.loads((tmp_path / "GoalpostProbe.template.json").read_text(encoding="utf-8"))
    assert len(template["Resources"]) > 50
    assert "AwsSolutions" not in (tmp_path / "validation-report.json").read_text(encoding="utf-8")


def test_an_acknowledgement_without_a_real_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        acknowledge(Stack(App(), "Probe"), "AwsSolutions-SQS3", "it is fine")
