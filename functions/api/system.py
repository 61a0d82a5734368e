"""Health, the OpenAPI document, Swagger UI; and 404 for every route nothing else serves."""

# No postponed annotations here: pydantic resolves a string annotation of Health through sys.modules, and the
# local gateway's extra copies of this module (one per concurrent invocation) are not registered there.
from typing import Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from goalpost.edges.api import build_resolver, json_response, lambda_handler
from goalpost.edges.docs import openapi_document, swagger_asset, swagger_html
from goalpost.schemas.common import ResponseModel
from goalpost.settings import get_settings

router = Router()


class Health(ResponseModel):
    status: Literal["ok"]
    version: str


@router.get("/health", summary="Liveness and version (no auth)", tags=["System"])
def health() -> Health:
    return Health(status="ok", version=get_settings().version)


@router.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[dict]:
    return json_response(200, openapi_document())


@router.get("/docs", include_in_schema=False)
def docs() -> Response[str]:
    return Response(status_code=200, content_type=content_types.TEXT_HTML, body=swagger_html())


# The page names each file by a digest of its content (?v=...), so a file may be cached for good; gzip takes the
# 1.5 MB bundle to about 420 KB on the wire.
IMMUTABLE = "public, max-age=31536000, immutable"


def _asset(path: str) -> Response[str]:
    asset = swagger_asset(path)
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    return Response(status_code=200, content_type=asset.content_type, body=asset.body, headers=headers)


@router.get("/docs/swagger-ui-bundle.js", include_in_schema=False, compress=True)
def swagger_bundle() -> Response[str]:
    return _asset("/docs/swagger-ui-bundle.js")


@router.get("/docs/swagger-ui.css", include_in_schema=False, compress=True)
def swagger_css() -> Response[str]:
    return _asset("/docs/swagger-ui.css")


routers = (router,)
app = build_resolver(*routers)
handler = lambda_handler(app)
