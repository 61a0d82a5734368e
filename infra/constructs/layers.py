"""Lambda layers: the AWS-managed Powertools layer and our own ``goalpost`` package."""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import REPO_ROOT, lambda_architecture, lambda_runtime
from infra.constructs.bundling import NOT_SHIPPED, build_bytecode, compiled_asset

LAYER_SOURCE = REPO_ROOT / "layers" / "goalpost"


def powertools_parameter_name(version: str = declaration.POWERTOOLS_VERSION) -> str:
    """The public SSM parameter AWS keeps the Powertools layer ARN in, per region."""
    return f"/aws/service/powertools/python/{declaration.LAMBDA_ARCHITECTURE}/{declaration.LAMBDA_RUNTIME}/{version}"


def goalpost_layer_code(source: Path = LAYER_SOURCE) -> lambda_.Code:
    """``python/`` (with its bytecode when the build Python is the runtime's), plus the wheels
    ``requirements.txt`` lists, under ``python/`` too. requirements.txt stays in the hashed source so that editing it
    rebuilds the layer."""
    return compiled_asset(source, ["python"], packages="python", exclude=NOT_SHIPPED)


class Layers(Construct):
    """The two layers every function carries. Context ``powertools_layer_arn`` pins the Powertools layer
    (e.g. a region where the public parameter is missing); ``powertools_version`` overrides the declared one."""

    def __init__(self, scope: Construct, construct_id: str, *, source: Path = LAYER_SOURCE) -> None:
        super().__init__(scope, construct_id)
        arn = self.node.try_get_context("powertools_layer_arn")
        if not arn:
            version = self.node.try_get_context("powertools_version") or declaration.POWERTOOLS_VERSION
            # Becomes a CloudFormation parameter of type AWS::SSM::Parameter::Value<String>: resolved by
            # CloudFormation at deploy time in the target region, so synth needs no credentials.
            arn = ssm.StringParameter.value_for_string_parameter(self, powertools_parameter_name(version))
        self.powertools = lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", arn)
        # Every function and this layer share the build's bytecode decision: say it once per synth.
        sys.stderr.write(build_bytecode().note() + "\n")
        self.goalpost = lambda_.LayerVersion(
            self,
            "Goalpost",
            code=goalpost_layer_code(source),
            compatible_runtimes=[lambda_runtime()],
            compatible_architectures=[lambda_architecture()],
            description="The goalpost package: domain, services, data and edges",
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.powertools, self.goalpost]
