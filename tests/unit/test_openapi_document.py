"""The OpenAPI document says everything a client needs, and nothing it does not: a valid document, short
operation ids, the Idempotency-Key header where it is honoured, the format of every timestamp and date, the
gateway's own answers, no unused schema, and a committed copy (docs/openapi.json) that is current."""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import pkgutil
import re
import types
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

import functions.api
import goalpost.domain
import goalpost.schemas
from goalpost import declaration
from goalpost.edges.docs import WRITE_COMMAND, openapi_document
from goalpost.settings import reset_settings

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"
# The first word of every operation id: what the operation does.
VERBS = {
    "abandon", "add", "cancel", "close", "complete", "connect", "create", "delete", "disconnect", "fill", "get",
    "link", "list", "mark", "open", "pause", "record", "refresh", "resume", "set", "sync", "take", "unlink", "update",
}  # fmt: skip


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in openapi_document()["paths"].items()
        for method, operation in methods.items()
    ]


def _route(decorator: ast.expr) -> tuple[str, str] | None:
    """(method, path) of a ``@router.<method>("<path>", ...)`` decorator, else None."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return None
    owner, path = decorator.func.value, decorator.args[0] if decorator.args else None
    if not (isinstance(owner, ast.Name) and owner.id == "router" and isinstance(path, ast.Constant)):
        return None
    return decorator.func.attr, re.sub(r"<(\w+)>", r"{\1}", path.value)


def routes_using(name: str) -> set[tuple[str, str]]:
    """(method, path) of every route in functions/api whose function calls ``name`` or takes a parameter of that
    type (a dependency), read from the source: what the handlers do, apart from what the document says."""
    found = set()
    for module in Path(functions.api.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            called = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
            taken = {a.annotation.id for a in node.args.args if isinstance(a.annotation, ast.Name)}
            if name in called | taken:
                found |= {route for route in map(_route, node.decorator_list) if route is not None}
    return found


def test_the_document_is_valid_openapi() -> None:
    validate(copy.deepcopy(openapi_document()))


def test_operation_ids_are_unique_short_verb_nouns() -> None:
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for operation_id in ids:
        assert re.fullmatch(r"[a-z]+(_[a-z]+){1,3}", operation_id), operation_id
        assert operation_id.split("_")[0] in VERBS, operation_id


def test_operation_ids_are_the_route_functions_names() -> None:
    """Stable: an id changes only when its function is renamed (the path and the method are no part of it)."""
    document = openapi_document()["paths"]
    assert document["/goals"]["post"]["operationId"] == "create_goal"
    assert document["/goals/{goal_id}"]["get"]["operationId"] == "get_goal"
    assert document["/goals/{goal_id}/pause"]["post"]["operationId"] == "pause_goal"
    assert document["/positions"]["get"]["operationId"] == "list_positions"
    assert document["/health"]["get"]["operationId"] == "get_health"


def test_the_idempotency_key_is_documented_exactly_where_a_route_honours_it() -> None:
    documented = {}
    for method, path, operation in operations():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"].lower() == "idempotency-key":
                documented[method, path] = parameter
    assert set(documented) == routes_using("idempotent")
    assert ("post", "/goals") in documented  # the reading of the source found the routes
    for parameter in documented.values():
        assert parameter["name"] == "Idempotency-Key"
        assert parameter["required"] is False
        assert parameter["schema"] == {"type": "string", "minLength": 1, "maxLength": 255}
        promises = ("same body within 24 hours replays the first response", "another body is 422", "one acts")
        for promise in promises:
            assert promise in parameter["description"]


def _models() -> dict[str, type[BaseModel]]:
    """Every pydantic model a document schema can come from, by its name (the schema's name)."""
    modules = [
        importlib.import_module(f"{package.__name__}.{m.name}")
        for package in (goalpost.schemas, goalpost.domain, functions.api)
        for m in pkgutil.iter_modules(package.__path__)
    ]
    return {
        cls.__name__: cls
        for module in modules
        for cls in vars(module).values()
        if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__
    }


def _temporal_format(annotation: Any) -> str | None:
    """``date-time`` for a datetime (or an optional one), ``date`` for a date, else None."""
    if annotation is datetime:
        return "date-time"
    if annotation is date:
        return "date"
    if get_origin(annotation) is Annotated:
        return _temporal_format(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        formats = {_temporal_format(arg) for arg in get_args(annotation)} - {None}
        return formats.pop() if len(formats) == 1 else None
    return None


def test_every_timestamp_and_date_has_its_format_in_requests_and_responses() -> None:
    """Found by a newcomer: a response's timestamps were plain strings (pydantic documents a field by its
    serializer's return type), so a generated client typed them as text."""
    schemas = openapi_document()["components"]["schemas"]
    models = _models()
    checked = []
    for name, schema in schemas.items():
        if name not in models:
            assert name in {"Error", "GatewayError"} or "enum" in schema, f"{name}: no model to check it against"
            continue
        for field_name, field in models[name].model_fields.items():
            expected = _temporal_format(field.annotation)
            if expected is None:
                continue
            key = field.serialization_alias or field.alias or field_name
            documented = schema["properties"][key]
            branches = [b for b in documented.get("anyOf", [documented]) if b != {"type": "null"}]
            assert [b.get("format") for b in branches] == [expected], (name, key, documented)
            checked.append((name, key))
    # Requests and responses alike: both directions were read.
    assert {("GoalCreate", "deadline"), ("GoalOut", "created_at"), ("MilestoneIn", "target_date")} <= set(checked)
    assert len(checked) >= 30, checked
    parameters = {p["name"]: p for p in openapi_document()["paths"]["/portfolio/snapshots"]["get"]["parameters"]}
    for bound in ("from", "to"):
        assert {"type": "string", "format": "date-time"} in parameters[bound]["schema"]["anyOf"]


def test_the_gateway_answers_are_documented_where_they_can_happen() -> None:
    """401 on every operation that takes a token (none on the public ones), 429 on every operation (the stage
    throttles them all), 403 only where the handler requires an admin."""
    admin_only = routes_using("Admin")
    assert admin_only, "the reading of the source found the admin-only routes"
    for method, path, operation in operations():
        answers = operation["responses"]
        public = path in declaration.PUBLIC_PATHS
        assert (operation.get("security") == []) is public, (method, path)
        assert ("401" in answers) is not public, (method, path)
        assert "429" in answers, (method, path)
        assert ("403" in answers) is ((method, path) in admin_only), (method, path)
        for status in ("401", "429"):
            if status in answers:
                assert answers[status]["content"]["application/json"]["schema"]["$ref"].endswith("/GatewayError")
        assert f"{declaration.THROTTLE_RATE_PER_SECOND} requests a second" in answers["429"]["description"]
        if not public:
            assert {"404", "409", "422"} <= set(answers), (method, path)
        assert list(answers) == sorted(answers), (method, path)
    conflict = openapi_document()["paths"]["/goals/{goal_id}/pause"]["post"]["responses"]["409"]
    assert "Retry-After" in conflict["headers"]


def test_every_component_schema_is_used() -> None:
    """Found by a newcomer: Powertools' own ValidationError stayed in the document, used by nothing."""
    document = openapi_document()
    text = json.dumps(document["paths"])
    schemas = document["components"]["schemas"]
    used = set(re.findall(r'"#/components/schemas/(\w+)"', text))
    while True:
        more = {
            name for schema in used for name in re.findall(r'"#/components/schemas/(\w+)"', json.dumps(schemas[schema]))
        } - used
        if not more:
            break
        used |= more
    assert set(schemas) == used
    assert {"ValidationError", "HTTPValidationError"}.isdisjoint(schemas)


def _without_version(document: dict[str, Any]) -> dict[str, Any]:
    # A release changes the version alone; that must not make the committed copy stale.
    document = copy.deepcopy(document)
    document["info"].pop("version")
    return document


def test_the_committed_document_is_current() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    served = json.loads(json.dumps(openapi_document()))
    assert _without_version(committed) == _without_version(served), (
        f"docs/openapi.json is stale: run `{WRITE_COMMAND}` and commit it"
    )


def test_a_release_changes_the_served_version_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOALPOST_VERSION", "9.9.9")
    reset_settings()
    try:
        released = openapi_document.__wrapped__()
    finally:
        monkeypatch.undo()
        reset_settings()
    assert released["info"]["version"] == "9.9.9"
    assert _without_version(released) == _without_version(json.loads(COMMITTED.read_text(encoding="utf-8")))
