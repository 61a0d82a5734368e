"""Lambda layers: the AWS-managed Powertools layer and our own ``goalpost`` package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from goalpost import declaration
from infra.constructs._common import REPO_ROOT, lambda_architecture, lambda_runtime

LAYER_SOURCE = REPO_ROOT / "layers" / "goalpost"
_NOT_SHIPPED = ["__pycache__", "*.pyc"]
# pip wheel platform per Lambda architecture. manylinux2014 is the oldest glibc (2.17) Lambda ever ran;
# manylinux_2_28 lets pip pick the newer wheels that AL2023-based runtimes (glibc 2.34) can load.
_PIP_PLATFORMS = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}


def powertools_parameter_name(version: str = declaration.POWERTOOLS_VERSION) -> str:
    """The public SSM parameter AWS keeps the Powertools layer ARN in, per region."""
    return f"/aws/service/powertools/python/{declaration.LAMBDA_ARCHITECTURE}/{declaration.LAMBDA_RUNTIME}/{version}"


def requirements_of(source: Path) -> list[str]:
    """The requirement lines of the layer's ``requirements.txt`` (none if it is missing or only comments)."""
    path = source / "requirements.txt"
    if not path.is_file():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


@jsii.implements(ILocalBundling)
class PipBundling:
    """Builds the layer without Docker: copies ``python/`` and pip-installs the requirements next to it as
    Lambda wheels (``--platform``/``--python-version`` make pip fetch wheels for the target, not the host)."""

    def __init__(self, source: Path) -> None:
        self._source = source

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        target = Path(output_dir) / "python"
        shutil.copytree(
            self._source / "python", target, ignore=shutil.ignore_patterns(*_NOT_SHIPPED), dirs_exist_ok=True
        )
        platforms = [f"--platform={tag}" for tag in _PIP_PLATFORMS[declaration.LAMBDA_ARCHITECTURE]]
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--requirement",
                str(self._source / "requirements.txt"),
                "--target",
                str(target),
                *platforms,
                "--implementation=cp",
                f"--python-version={declaration.LAMBDA_RUNTIME.removeprefix('python')}",
                "--only-binary=:all:",
                "--no-compile",  # the host interpreter's .pyc files would be useless to the Lambda runtime
                "--disable-pip-version-check",
                "--quiet",
            ],
            check=True,
        )
        return True


def goalpost_layer_code(source: Path = LAYER_SOURCE) -> lambda_.Code:
    """The layer folder as is, or bundled with its requirements when ``requirements.txt`` lists any."""
    if not requirements_of(source):
        # requirements.txt is a build recipe, not runtime content.
        return lambda_.Code.from_asset(str(source), exclude=[*_NOT_SHIPPED, "requirements.txt"])
    # requirements.txt stays in the source so that editing it changes the asset hash and rebuilds the layer;
    # the bundler ships only python/.
    return lambda_.Code.from_asset(
        str(source),
        exclude=_NOT_SHIPPED,
        bundling=BundlingOptions(
            # Never pulled: local bundling either succeeds or raises (there is no Docker to fall back to).
            image=lambda_runtime().bundling_image,
            local=PipBundling(source),
        ),
    )


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
