"""/docs links Swagger UI's script and stylesheet, and the system function serves both as cacheable files.

(That the page then renders, in a real browser, is tests/e2e/test_browser_docs.py.)"""

from __future__ import annotations

import base64
import gzip
import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from aws_lambda_powertools.event_handler.openapi import swagger_ui

from goalpost import declaration
from goalpost.edges.docs import SWAGGER_ASSETS
from infra.local.lambdas import HandlerRegistry, LambdaContext
from infra.local.routing import RouteTable, build_event
from tests.handlers.conftest import Api

POWERTOOLS_FILES = Path(swagger_ui.__file__).parent


class Links(HTMLParser):
    """The URLs a page loads its scripts and stylesheets from, and its inline script text."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self._in_script = "src" not in found
            if found.get("src"):
                self.scripts.append(str(found["src"]))
        if tag == "link" and found.get("rel") == "stylesheet":
            self.stylesheets.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def page_links(api: Api) -> Links:
    reply = api.get("/docs", user=None)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    links = Links()
    links.feed(reply.body)
    return links


def fetch(api: Api, url: str, **kwargs: object) -> tuple[str, dict[str, str], object]:
    """GETs a URL as the browser resolves it against the page's own URL."""
    target = urlsplit(urljoin("/docs", url))
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    reply = api.get(target.path, user=None, query=query, **kwargs)  # type: ignore[arg-type]
    assert reply.status == 200, (url, reply.status)
    return target.path, reply.headers, reply.body


def test_the_asset_routes_are_the_declared_public_ones() -> None:
    assert set(SWAGGER_ASSETS) == set(declaration.DOCS_ASSET_PATHS)
    public = {r.path for r in declaration.SYSTEM_API.routes if r.public}
    assert set(declaration.DOCS_ASSET_PATHS) <= public


def test_the_page_links_the_script_and_stylesheet_instead_of_inlining_them(api: Api) -> None:
    links = page_links(api)
    assert len(links.scripts) == 1
    assert len(links.stylesheets) == 1
    # The page's own script only starts Swagger UI with the document; the bundle defines SwaggerUIBundle.
    inline = "".join(links.inline)
    assert "SwaggerUIBundle(swaggerUIOptions)" in inline
    bundle = (POWERTOOLS_FILES / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    assert bundle[:200] not in inline


@pytest.mark.parametrize("kind", ["scripts", "stylesheets"])
def test_each_linked_file_is_powertools_own_with_its_type_and_cache_headers(api: Api, kind: str) -> None:
    (url,) = getattr(page_links(api), kind)
    path, headers, body = fetch(api, url)
    file_name, content_type = SWAGGER_ASSETS[path]
    expected = (POWERTOOLS_FILES / file_name).read_text(encoding="utf-8")
    assert body == expected
    assert headers["content-type"] == content_type
    assert headers["content-type"].startswith("text/javascript" if kind == "scripts" else "text/css")
    assert headers["x-content-type-options"] == "nosniff"
    assert "immutable" in headers["cache-control"]
    assert "max-age=31536000" in headers["cache-control"]
    # The URL changes with the content, which is what makes caching it for good safe.
    assert parse_qs(urlsplit(url).query)["v"] == [hashlib.sha256(expected.encode()).hexdigest()[:16]]
    if kind == "scripts":
        assert "SwaggerUIBundle" in expected


def test_the_bundle_is_gzipped_for_a_browser_that_accepts_it(api: Api) -> None:
    (url,) = page_links(api).scripts
    _, headers, body = fetch(api, url, headers={"accept-encoding": "gzip, deflate, br"})
    assert headers["content-encoding"] == "gzip"
    unpacked = gzip.decompress(base64.b64decode(str(body))).decode()
    assert unpacked == (POWERTOOLS_FILES / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    assert len(str(body)) < len(unpacked) // 2


def test_a_second_copy_of_the_system_function_answers_health(api: Api) -> None:
    """The local gateway loads another copy of a handler module for each concurrent invocation (as Swagger UI's
    parallel requests cause); its Health model must still be complete (it once was not: a 500)."""
    copy = HandlerRegistry()._load(declaration.SYSTEM_API, 1)
    match = RouteTable().match("GET", "/health")
    assert match is not None
    event = build_event(
        match=match,
        method="GET",
        raw_path="/health",
        raw_query="",
        headers=[],
        body=b"",
        source_ip="127.0.0.1",
        claims=None,
        host="localhost",
    )
    reply = copy(event, LambdaContext(declaration.SYSTEM_API, 1.0))
    assert reply["statusCode"] == 200, reply["body"]
    assert '"status":"ok"' in reply["body"]
