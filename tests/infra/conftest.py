"""Synthesizes the CDK app once per test session; every infra test reads that one template."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _node_major() -> str:
    node = shutil.which("node")
    if node is None:
        return ""
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    return version.strip().lstrip("v").split(".", 1)[0]


# jsii prints a banner per Node version it does not vouch for; the end-of-life one is silenced only by
# naming the major version. Set before aws_cdk is imported (the import starts the jsii runtime).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", _node_major())
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

for _path in (ROOT / "layers" / "goalpost" / "python", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import pytest  # noqa: E402
from aws_cdk import App, Stack, assertions  # noqa: E402
from constructs import IConstruct  # noqa: E402

from infra.stack import GoalpostStack  # noqa: E402

CDK_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
# The session app must synthesize even when cdk-nag finds something, so that test_nag can report the
# findings one by one instead of every test erroring in the fixture. `cdk synth` keeps failing on them.
TEST_CONTEXT = {**CDK_CONTEXT, "@aws-cdk/core:failSynthOnValidationErrors": False}


def load_app_module() -> ModuleType:
    """app.py is a script at the repo root; load it by path rather than as a top-level module named `app`."""
    spec = importlib.util.spec_from_file_location("goalpost_cdk_app", ROOT / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Synth:
    app: App
    stack: GoalpostStack
    template: assertions.Template
    outdir: Path
    json: dict[str, Any]  # the template, read once: every to_json() is a round trip through jsii

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource for logical_id, resource in self.json["Resources"].items() if resource["Type"] == type_
        }

    def logical_id(self, construct: IConstruct) -> str:
        child = construct.node.default_child
        assert child is not None, construct.node.path
        return Stack.of(construct).get_logical_id(child)  # type: ignore[arg-type]

    @staticmethod
    def refs(value: Any) -> set[str]:
        """Every logical id a template fragment points at through Ref or Fn::GetAtt."""
        if isinstance(value, dict):
            if "Ref" in value:
                return {value["Ref"]}
            if "Fn::GetAtt" in value:
                return {value["Fn::GetAtt"][0]}
            return {found for item in value.values() for found in Synth.refs(item)}
        if isinstance(value, list):
            return {found for item in value for found in Synth.refs(item)}
        return set()

    def dead_letter_queue_ids(self) -> set[str]:
        """The queues something sends its failures to: a queue's redrive policy, a Lambda on-failure destination
        or an EventBridge target's dead-letter config."""
        queues = self.resources("AWS::SQS::Queue").values()
        return self.refs(
            [
                *(queue["Properties"]["RedrivePolicy"] for queue in queues if "RedrivePolicy" in queue["Properties"]),
                *(
                    config["Properties"]["DestinationConfig"]["OnFailure"]
                    for config in self.resources("AWS::Lambda::EventInvokeConfig").values()
                ),
                *(
                    target["DeadLetterConfig"]
                    for rule in self.resources("AWS::Events::Rule").values()
                    for target in rule["Properties"]["Targets"]
                ),
            ]
        )

    def functions(self) -> dict[str, dict[str, Any]]:
        """The declared functions: every AWS::Lambda::Function but the CDK's own providers (``cdk_providers``)."""
        providers = self.cdk_providers()
        return {k: v for k, v in self.resources("AWS::Lambda::Function").items() if k not in providers}

    def cdk_providers(self) -> set[str]:
        """The CDK's own provider functions, which CloudFormation invokes while the stack deploys: the Node.js one
        of the custom resource that sets the account's SMS attributes (infra.constructs.sms, test_sms.py) and the
        Python one that uploads the web app (infra.constructs.web, test_web.py)."""
        return {self.logical_id(self.stack.sms.provider), self.logical_id(self.stack.web.deployment_handler)}

    def function_id(self, handler: str) -> str:
        """The logical id of the one Lambda function with this handler (handlers are unique)."""
        ids = [
            logical_id
            for logical_id, fn in self.resources("AWS::Lambda::Function").items()
            if fn["Properties"]["Handler"] == handler
        ]
        assert len(ids) == 1, (handler, ids)
        return ids[0]


@pytest.fixture(scope="session")
def app_module() -> ModuleType:
    return load_app_module()


@pytest.fixture(scope="session")
def synth(app_module: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = app_module.create_app(context=TEST_CONTEXT, outdir=str(outdir))
    app.synth()
    template = assertions.Template.from_stack(stack)
    return Synth(app=app, stack=stack, template=template, outdir=outdir, json=dict(template.to_json()))
