"""The one OpenAPI document of every API function, and Swagger UI over it.

Each API function's module exposes its ``router``; the declaration says which modules those are, so the
document covers exactly what is deployed."""

from __future__ import annotations

import importlib
import json
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
        routers.append(module.router)
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
    return document


@cache
def swagger_html() -> str:
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    assets = Path(swagger_ui.__file__).parent
    spec = json.dumps(openapi_document()).replace("</", "<\\/")
    return generate_swagger_html(
        spec,
        (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        "/docs",
        None,
        persist_authorization=True,
    )
