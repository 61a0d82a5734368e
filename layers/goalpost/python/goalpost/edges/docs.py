"""The one OpenAPI document of every API function, and Swagger UI over it.

Each API function's module exposes the ``routers`` its resolver includes; the declaration says which modules
those are, so the document covers exactly what is deployed."""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from goalpost import declaration
from goalpost.settings import get_settings

TITLE = "Goalpost API"
DESCRIPTION = (
    "Personal finance goals, portfolios and trading positions. Every route except /health and the docs "
    "requires `Authorization: Bearer <JWT>`."
)


def api_routers() -> list[Router]:
    routers = []
    for function in declaration.API_FUNCTIONS:
        module = importlib.import_module(function.handler.rpartition(".")[0])
        routers.extend(module.routers)
    return routers


@cache
def openapi_document() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from goalpost.edges.api import build_resolver

    schema_app = build_resolver(*api_routers())
    document: dict[str, Any] = json.loads(
        schema_app.get_openapi_json_schema(
            title=TITLE,
            version=get_settings().version,
            description=DESCRIPTION,
            security_schemes={"bearerAuth": HTTPBearer(bearerFormat="JWT")},
            security=[{"bearerAuth": []}],
        )
    )
    for path in declaration.PUBLIC_PATHS:
        for operation in document.get("paths", {}).get(path, {}).values():
            operation["security"] = []
    _name_operations(document)
    _spell_headers(document)
    _document_every_answer(document)
    _drop_unused_schemas(document)
    return document


# The system routes' functions are named for what they serve; their operations are named here.
SYSTEM_OPERATION_IDS = {"health": "get_health"}


def _name_operations(document: dict[str, Any]) -> None:
    """Each operationId is its route function's name (``create_goal``), or the id the route declares. Powertools
    appends the path and the method (``create_goal_goals_post``), which the document already says."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            generated_tail = re.sub(r"\W", "_", path) + "_" + method
            name = operation["operationId"].removesuffix(generated_tail)
            operation["operationId"] = SYSTEM_OPERATION_IDS.get(name, name)


def _drop_unused_schemas(document: dict[str, Any]) -> None:
    """Only the schemas an operation uses, directly or through another schema: Powertools adds its own validation
    error models (``HTTPValidationError``, ``ValidationError``), which our one ``Error`` schema replaces."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    used: set[str] = set()
    pending = [document.get("paths", {})]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            name = str(node.get("$ref", "")).removeprefix(prefix)
            if name in schemas and name not in used:
                used.add(name)
                pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    for name in set(schemas) - used:
        del schemas[name]


def _spell_headers(document: dict[str, Any]) -> None:
    """A header parameter as a client sends it: Powertools lowercases its name (API Gateway hands headers on in
    lower case) where the contract writes ``Idempotency-Key``, and an optional header is left out, never null."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "header":
                    continue
                parameter["name"] = "-".join(word.capitalize() for word in parameter["name"].split("-"))
                branches = parameter["schema"].get("anyOf", [])
                if not parameter.get("required") and {"type": "null"} in branches:
                    parameter["schema"] = next(branch for branch in branches if branch != {"type": "null"})


# The committed copy (docs/openapi.json), for readers and client generators without a running server; a test
# fails when it is stale.
WRITE_COMMAND = "python -m goalpost.edges.docs --write docs/openapi.json"


def document_text() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m goalpost.edges.docs", description="The API's OpenAPI document.")
    parser.add_argument("--write", metavar="PATH", type=Path, help="write it to PATH (else print it)")
    arguments = parser.parse_args(argv)
    if arguments.write is None:
        sys.stdout.write(document_text())
    else:
        arguments.write.write_text(document_text(), encoding="utf-8")


ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "description": "What is wrong: a sentence, or for 422 one entry per invalid field",
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["loc", "msg", "type"],
                        "properties": {
                            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                            "msg": {"type": "string"},
                            "type": {"type": "string"},
                        },
                    },
                },
            ],
        },
        "request_id": {"type": "string", "description": "On a 500: the id to quote; the details are in the logs"},
    },
}
# 401, 413 and 429 come from API Gateway itself (``message``); the local gateway sends ``detail`` too.
GATEWAY_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "detail": {"type": "string"}},
    "anyOf": [{"required": ["message"]}, {"required": ["detail"]}],
}
GATEWAY_STATUSES = {"401", "413", "429"}
NEXT_TOKEN_HEADER = {
    "description": (
        "Present when the list may go on: pass it back as next_token. A page of a filtered list may hold fewer "
        "than limit items, even none, and still carry it; the list ends with the first page without it."
    ),
    "schema": {"type": "string"},
}


def _document_every_answer(document: dict[str, Any]) -> None:
    """Every answer an operation can give, with its real shape: one error schema for the 4xx/5xx answers
    (Powertools would describe an error without content by the success model), no body on a 204, a 413 where
    a body is taken, the gateway's own 401 on every route that takes a token and its 429 on every route (the
    stage throttles them all), and the generic 500."""
    from goalpost.edges.api import ERROR_RESPONSES

    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["GatewayError"] = GATEWAY_ERROR_SCHEMA
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answers: dict[str, Any] = operation.setdefault("responses", {})
            if operation.get("security") == []:  # public: no token to refuse, no caller to forbid
                answers.pop("401", None)
                answers.pop("403", None)
            else:
                answers.setdefault("401", {**ERROR_RESPONSES[401]})
            answers.setdefault("429", {**ERROR_RESPONSES[429]})
            answers.setdefault("500", {"description": "Unexpected failure (the request id is in the body)"})
            if "requestBody" in operation:
                answers.setdefault("413", {"description": "The body is larger than the gateway accepts"})
            if any(p.get("name") == "next_token" for p in operation.get("parameters", [])) and "200" in answers:
                answers["200"].setdefault("headers", {})["X-Next-Token"] = NEXT_TOKEN_HEADER
            for status, answer in answers.items():
                if status == "204":
                    answer.pop("content", None)
                elif int(status) >= 400:
                    name = "GatewayError" if status in GATEWAY_STATUSES else "Error"
                    answer["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
            operation["responses"] = dict(sorted(answers.items()))


# The Swagger UI files Powertools ships, by the public path that serves each (declaration.DOCS_ASSET_PATHS).
SWAGGER_ASSETS = {
    "/docs/swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "text/javascript; charset=utf-8"),
    "/docs/swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
}


@dataclass(frozen=True)
class SwaggerAsset:
    body: str
    content_type: str
    version: str  # a digest of the body: the page asks for ?v=<version>, so a new file is a new URL


@cache
def swagger_asset(path: str) -> SwaggerAsset:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui

    file_name, content_type = SWAGGER_ASSETS[path]
    body = (Path(swagger_ui.__file__).parent / file_name).read_text(encoding="utf-8")
    return SwaggerAsset(body, content_type, hashlib.sha256(body.encode()).hexdigest()[:16])


def _asset_url(path: str) -> str:
    # Relative to /docs, so the page still finds its files under a stage or base path prefix.
    return f"{path.removeprefix('/')}?v={swagger_asset(path).version}"


@cache
def swagger_html() -> str:
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    spec = json.dumps(openapi_document()).replace("</", "<\\/")
    # Given a base URL, Powertools links the script and stylesheet by these URLs (<script src>, <link href>).
    return generate_swagger_html(
        spec,
        _asset_url("/docs/swagger-ui-bundle.js"),
        _asset_url("/docs/swagger-ui.css"),
        "/docs",
        None,
        persist_authorization=True,
    )


if __name__ == "__main__":
    main()
