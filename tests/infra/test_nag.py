"""cdk-nag's AwsSolutions and Serverless packs pass, and every acknowledgement is specific and explained.

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
from cdk_nag import AwsSolutionsChecks, NagPack, ServerlessChecks

from goalpost import declaration
from infra.constructs._common import LATEST_PYTHON_RUNTIME, MIN_REASON_LENGTH, acknowledge
from infra.constructs.web import DEPLOYMENT_WILDCARDS

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]

# Every rule the stack acknowledges. A new one needs a conscious edit here (and a reason in the code).
ACKNOWLEDGED_AWS_SOLUTIONS_RULES = {
    "AwsSolutions-IAM5",
    "AwsSolutions-APIG4",
    "AwsSolutions-SQS3",
    "AwsSolutions-SMG4",
    "AwsSolutions-IAM4",  # AWS Backup's service role policy only (tests/infra/test_safety_nets.py)
    "AwsSolutions-COG8",  # threat protection needs the Plus plan: its price is above the cost goal
    # CloudFront (infra.constructs.edge): no geo restriction, no standard logs, the default certificate's TLS policy
    "AwsSolutions-CFR1",
    "AwsSolutions-CFR3",
    "AwsSolutions-CFR4",
    "AwsSolutions-S1",  # the web app's bucket: no server access logs (infra.constructs.web)
}
ACKNOWLEDGED_SERVERLESS_RULES = {
    "Serverless-LambdaDLQ",  # synchronous callers, or an on-failure destination instead (jobs)
    "Serverless-LambdaEventSourceMappingDestination",  # SQS event sources take none: the queue's redrive does it
    "Serverless-SQSRedrivePolicy",  # on the dead-letter queues themselves
    "Serverless-SNSRedrivePolicy",  # the ops email subscription: notifications, not work
    "Serverless-LambdaTracing",  # the CDK's provider of the SMS settings' custom resource takes no tracing setting
}
# The runtime is pinned below the newest (declaration.LAMBDA_RUNTIME): its latest-runtime findings are acknowledged.
RUNTIME_RULES = (
    set()
    if declaration.LAMBDA_RUNTIME == LATEST_PYTHON_RUNTIME
    else {"AwsSolutions-L1", "Serverless-LambdaLatestVersion"}
)
ACKNOWLEDGED_RULES = ACKNOWLEDGED_AWS_SOLUTIONS_RULES | ACKNOWLEDGED_SERVERLESS_RULES | RUNTIME_RULES


def acknowledgements(synth: Synth) -> dict[str, list[dict[str, str]]]:
    """Logical id -> the cdk_nag ``rules_to_suppress`` written to the template metadata."""
    return {
        logical_id: resource["Metadata"]["cdk_nag"]["rules_to_suppress"]
        for logical_id, resource in synth.json["Resources"].items()
        if "cdk_nag" in resource.get("Metadata", {})
    }


@pytest.mark.parametrize("pack", [AwsSolutionsChecks, ServerlessChecks], ids=lambda pack: pack.__name__)
def test_the_pack_finds_nothing_unacknowledged(synth: Synth, pack: type[NagPack]) -> None:
    report = pack().validate_scope(synth.app)
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
    web_deployment_policy = synth.logical_id(synth.stack.web.deployment_role.node.find_child("DefaultPolicy"))
    web_bucket = synth.logical_id(synth.stack.web.bucket)
    for logical_id, rules in acknowledgements(synth).items():
        for rule in rules:
            if rule["id"].startswith("AwsSolutions-IAM5"):
                assert rule["id"].startswith("AwsSolutions-IAM5["), rule
                assert rule["id"].endswith("]"), rule
                finding = rule["id"][len("AwsSolutions-IAM5[") : -1]
                user_topics = f"Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:{USER_TOPICS}"
                if logical_id == web_deployment_policy:
                    assert finding in {*DEPLOYMENT_WILDCARDS, f"Resource::<{web_bucket}.Arn>/*"}, finding
                    continue
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
    declared = {synth.logical_id(secret) for secret in synth.stack.secrets.secrets.values()}
    # And the origin secret, which CloudFront's header takes at deploy (infra.constructs.secrets says why).
    assert acknowledged == declared | {synth.logical_id(synth.stack.secrets.origin_secret)}


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


def _acknowledged(synth: Synth, rule_id: str) -> set[str]:
    return {
        logical_id for logical_id, rules in acknowledgements(synth).items() if any(r["id"] == rule_id for r in rules)
    }


def test_only_dead_letter_queues_go_without_a_redrive_policy(synth: Synth) -> None:
    """Serverless-SQSRedrivePolicy is acknowledged exactly on the dead-letter queues (they are the end of the line)."""
    queues = synth.resources("AWS::SQS::Queue")
    dead_letter_queues = synth.dead_letter_queue_ids()
    assert len(dead_letter_queues) == len(declaration.QUEUES) + len(declaration.JOBS)
    without_redrive = {logical_id for logical_id, q in queues.items() if "RedrivePolicy" not in q["Properties"]}
    assert without_redrive == dead_letter_queues
    assert _acknowledged(synth, "Serverless-SQSRedrivePolicy") == dead_letter_queues


def test_dead_letter_config_is_acknowledged_only_for_functions_no_one_invokes_asynchronously_without_a_destination(
    synth: Synth,
) -> None:
    """Jobs send failed asynchronous invocations to an on-failure destination; every other function has only
    synchronous callers: API Gateway (the invoke permissions) or an SQS event source mapping."""
    functions = set(synth.resources("AWS::Lambda::Function"))
    assert _acknowledged(synth, "Serverless-LambdaDLQ") == functions

    with_destination = {
        logical_id
        for config in synth.resources("AWS::Lambda::EventInvokeConfig").values()
        if config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        for logical_id in synth.refs(config["Properties"]["FunctionName"])
    }
    jobs = {synth.logical_id(synth.stack.functions.by_name[job.function.name]) for job in declaration.JOBS}
    assert with_destination == jobs

    invokers: dict[str, set[str]] = {}
    for permission in synth.resources("AWS::Lambda::Permission").values():
        for logical_id in synth.refs(permission["Properties"]["FunctionName"]):
            invokers.setdefault(logical_id, set()).add(permission["Properties"]["Principal"])
    for mapping in synth.resources("AWS::Lambda::EventSourceMapping").values():
        for logical_id in synth.refs(mapping["Properties"]["FunctionName"]):
            invokers.setdefault(logical_id, set()).add("sqs event source mapping")
    # CloudFormation invokes the CDK's providers itself (no permission needed), and waits for them.
    for logical_id in functions - jobs - synth.cdk_providers():
        assert invokers[logical_id] in ({"apigateway.amazonaws.com"}, {"sqs event source mapping"}), logical_id


def test_only_sqs_event_source_mappings_go_without_a_failure_destination(synth: Synth) -> None:
    mappings = synth.resources("AWS::Lambda::EventSourceMapping")
    work_queues = {synth.logical_id(queue) for queue in synth.stack.queues.queues.values()}
    for mapping in mappings.values():
        assert synth.refs(mapping["Properties"]["EventSourceArn"]) <= work_queues
    assert _acknowledged(synth, "Serverless-LambdaEventSourceMappingDestination") == set(mappings)


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
