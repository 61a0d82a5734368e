"""Small helpers shared by the constructs: declared names to construct ids, the declared Lambda platform,
context flags, customer-managed keys and cdk-nag acknowledgements."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from goalpost import declaration

REPO_ROOT = Path(__file__).resolve().parents[2]

# Function and access logs: long enough to investigate an incident, short enough not to pile up costs.
LOG_RETENTION = logs.RetentionDays.ONE_MONTH

# A reason must say why the finding is acceptable here, not merely restate the rule.
MIN_REASON_LENGTH = 20

_ARCHITECTURES = {arch.name: arch for arch in (lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64)}


def rotated_key(scope: Construct, construct_id: str, *, description: str, removal_policy: RemovalPolicy) -> kms.Key:
    """A customer-managed KMS key with yearly automatic rotation (cdk-nag AwsSolutions-KMS5)."""
    return kms.Key(
        scope, construct_id, description=description, enable_key_rotation=True, removal_policy=removal_policy
    )


def provider_identity(scope: Construct, prefix: str, *, description: str) -> tuple[iam.Role, logs.LogGroup]:
    """A role and a log group (``<prefix>Role``, ``<prefix>Logs``) for one of the CDK's own provider functions, as
    every function of ours has (infra.constructs.functions): the CDK's default role carries
    AWSLambdaBasicExecutionRole, which may write to any log group."""
    log_group = logs.LogGroup(scope, f"{prefix}Logs", retention=LOG_RETENTION)
    role = iam.Role(
        scope, f"{prefix}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description
    )
    log_group.grant_write(role)
    return role, log_group


def pascal(name: str) -> str:
    """``goals-api`` -> ``GoalsApi``, ``GET /goals/{proxy+}`` -> ``GetGoalsProxy``: stable construct ids
    (hence stable logical ids) derived from declared names."""
    return "".join(part[:1].upper() + part[1:].lower() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


# The newest Python runtime cdk-nag's AwsSolutions-L1 asks for.
LATEST_PYTHON_RUNTIME = "python3.14"


def lambda_runtime() -> lambda_.Runtime:
    """The declared runtime as the CDK knows it; fails loudly if this aws-cdk-lib does not know it yet."""
    for runtime in lambda_.Runtime.ALL:
        if runtime.name == declaration.LAMBDA_RUNTIME:
            return runtime
    raise ValueError(f"aws-cdk-lib does not know the Lambda runtime {declaration.LAMBDA_RUNTIME!r}")


def lambda_architecture() -> lambda_.Architecture:
    try:
        return _ARCHITECTURES[declaration.LAMBDA_ARCHITECTURE]
    except KeyError:
        raise ValueError(f"unknown Lambda architecture {declaration.LAMBDA_ARCHITECTURE!r}") from None


def context_flag(scope: Construct, key: str, *, default: bool) -> bool:
    """A boolean context value; ``cdk synth -c key=false`` passes the string ``"false"``."""
    value = scope.node.try_get_context(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise ValueError(f"context {key!r} must be true or false, got {value!r}")


def context_text(scope: Construct, key: str) -> str:
    """A text context value, stripped; ``""`` when it is not set."""
    value = scope.node.try_get_context(key)
    return "" if value is None else str(value).strip()


def context_list(scope: Construct, key: str) -> list[str]:
    """A list context value: a JSON array (cdk.json) or comma-separated text (``-c key=a,b``), without blanks."""
    value = scope.node.try_get_context(key) or ""
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of an L2's main resource, as cdk-nag prints it in findings."""
    default_child = construct.node.default_child
    if default_child is None:
        raise ValueError(f"{construct.node.path} has no CloudFormation resource")
    return Stack.of(construct).get_logical_id(default_child)  # type: ignore[arg-type]


def acknowledge(resource: IConstruct, rule: str, reason: str, *, applies_to: Iterable[str] = ()) -> None:
    """Acknowledge a cdk-nag finding on one resource: an L2's CloudFormation resource, or the construct itself.

    With ``applies_to`` only the named granular findings are acknowledged (``AwsSolutions-IAM5[Resource::*]``),
    so any other wildcard still fails the synth."""
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(f"the reason for acknowledging {rule} on {resource.node.path} is too short")
    findings = list(applies_to)
    ids = [f"{rule}[{finding}]" for finding in findings] if findings else [rule]
    target = resource.node.default_child or resource
    Validations.of(target).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in ids))
