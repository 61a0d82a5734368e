"""Every operation of the OpenAPI document is wired, in the synthesized template and in the local gateway,
to the function whose handler declares it."""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

import pytest

from goalpost import declaration
from goalpost.edges.docs import openapi_document
from infra.local.routing import RouteTable, route_from_key, select_route
from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra


def operations() -> list[tuple[str, str]]:
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "sample-id", path))
        for path, methods in openapi_document()["paths"].items()
        for method in methods
    ]


def owner(method: str, path: str) -> str:
    """The handler of the one API function whose resolver has a route for this request."""
    owners = []
    for function in declaration.API_FUNCTIONS:
        app = import_module(function.handler.rpartition(".")[0]).app
        routes = app._static_routes + app._dynamic_routes
        if any(route.method == method and route.rule.match(path) for route in routes):
            owners.append(function.handler)
    assert len(owners) == 1, (method, path, owners)
    return owners[0]


def _ref(value: Any) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::Join" in value:
        return next(_ref(part) for part in value["Fn::Join"][1] if isinstance(part, dict))
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(value)


def test_the_document_has_every_route_family() -> None:
    paths = {path for _, path in operations()}
    assert {"/health", "/goals", "/alerts"} <= paths


@pytest.mark.parametrize(("method", "path"), operations())
def test_operation_is_wired_in_the_local_gateway(method: str, path: str) -> None:
    match = RouteTable().match(method, path)
    assert match is not None
    assert match.route.path != "$default", (method, path)
    assert match.function.handler == owner(method, path)


def test_every_operation_is_wired_in_the_template(synth: Synth) -> None:
    resources = synth.json["Resources"]
    routes = {}
    for route in synth.resources("AWS::ApiGatewayV2::Route").values():
        properties = route["Properties"]
        integration = resources[_ref(properties["Target"])]["Properties"]
        routes[route_from_key(properties["RouteKey"])] = _ref(integration["IntegrationUri"])
    for method, path in operations():
        selected = select_route(list(routes), method, path)
        assert selected is not None, (method, path)
        route, _ = selected
        assert route.path != "$default", (method, path)
        assert routes[route] == synth.function_id(owner(method, path)), (method, path)
