#!/usr/bin/env python3
"""CDK entry point (``cdk synth`` / ``cdk deploy`` run it through cdk.json): the Goalpost stack, checked
by cdk-nag's AwsSolutions pack. Synthesizing needs no AWS credentials.

With ``-c edge_firewall_stack=true`` the app also holds the companion stack ``<stack_name>EdgeFirewall``, pinned
to us-east-1: the web ACL for a main stack deployed in another region (docs/operations.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# The declaration lives in our layer's package; put it on the path so that plain `cdk synth` works.
_LAYER_PACKAGES = str(Path(__file__).resolve().parent / "layers" / "goalpost" / "python")
if _LAYER_PACKAGES not in sys.path:
    sys.path.insert(0, _LAYER_PACKAGES)

from aws_cdk import App, Validations  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.constructs._common import context_flag  # noqa: E402
from infra.stack import EdgeFirewallStack, GoalpostStack  # noqa: E402

DEFAULT_STACK_NAME = "Goalpost"


def add_checks(app: App) -> None:
    """cdk-nag 3 is a policy-validation plugin, not an Aspect: it runs after synthesis and fails it on any
    unacknowledged finding. The acknowledgements are also written to the template metadata for audit."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True, write_suppressions_to_cloud_formation=True))


def create_app(**app_props: Any) -> tuple[App, GoalpostStack]:
    """The app and its stack; ``app_props`` go to ``App`` (tests pass ``context`` and ``outdir``)."""
    app = App(**app_props)
    stack_name = app.node.try_get_context("stack_name") or DEFAULT_STACK_NAME
    stack = GoalpostStack(app, stack_name, stack_name=stack_name)
    if context_flag(app, "edge_firewall_stack", default=False):
        EdgeFirewallStack(app, f"{stack_name}EdgeFirewall", stack_name=f"{stack_name}EdgeFirewall")
    add_checks(app)
    return app, stack


if __name__ == "__main__":
    create_app()[0].synth()
