"""The web app as the local server serves it over HTTP: files with their types and caching, the SPA fallback
for client-side routes but never for a missing asset, no way out of web/dist, config.json for the host the
browser used, and the deployed security headers."""

from __future__ import annotations

import json
import re
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra.local.auth import CLIENT_ID
from infra.local.webapp import CONTENT_SECURITY_POLICY, WebApp
from tests.e2e.conftest import Client, HttpReply

pytestmark = pytest.mark.e2e


def raw(http: Client, method: str, path: str, headers: dict[str, str] | None = None) -> HttpReply:
    """One request with the path exactly as given (no client normalises ``..``) and no redirect followed."""
    address = urlsplit(http.base)
    connection = HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return HttpReply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def index(http: Client) -> HttpReply:
    reply = raw(http, "GET", "/app/")
    assert reply.status == 200, "web/dist is not built: run .venv/bin/python -m infra.dev.web"
    return reply


def assets(index: HttpReply) -> list[str]:
    return re.findall(r'(?:src|href)="(/app/assets/[^"]+)"', index.text)


def test_index_is_html_revalidated_each_time_with_the_security_headers(index: HttpReply) -> None:
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert index.headers["cache-control"] == "no-cache"
    assert index.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert index.headers["x-content-type-options"] == "nosniff"
    assert index.headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in index.headers  # a page of this origin, not an API answer


def test_the_built_index_needs_nothing_inline_that_the_policy_refuses(index: HttpReply) -> None:
    scripts = re.findall(r"<script\b[^>]*>", index.text)
    assert scripts
    assert all("src=" in tag for tag in scripts)
    assert "<style" not in index.text
    assert " style=" not in index.text


def test_assets_have_their_types_and_are_cached_for_good(http: Client, index: HttpReply) -> None:
    types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    found = assets(index)
    assert {Path(path).suffix for path in found} >= {".js", ".css"}
    for path in found:
        reply = raw(http, "GET", path)
        assert reply.status == 200, path
        assert reply.headers["content-type"] == types[Path(path).suffix]
        assert reply.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert reply.headers["x-content-type-options"] == "nosniff"


def test_head_answers_the_headers_without_the_body(http: Client, index: HttpReply) -> None:
    reply = raw(http, "HEAD", "/app/")
    assert reply.status == 200
    assert reply.text == ""
    assert int(reply.headers["content-length"]) == len(index.text.encode())


def test_an_unchanged_file_is_a_304(http: Client, index: HttpReply) -> None:
    reply = raw(http, "GET", "/app/", {"If-None-Match": index.headers["etag"]})
    assert (reply.status, reply.text) == (304, "")


@pytest.mark.parametrize("path", ["/app/goals/abc", "/app/positions/p-1", "/app/settings", "/app/no/such/page"])
def test_client_side_routes_answer_the_app(http: Client, index: HttpReply, path: str) -> None:
    reply = raw(http, "GET", path)
    assert (reply.status, reply.text) == (200, index.text)
    assert reply.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/app/assets/index-missing.js", "/app/assets/gone.css", "/app/assets/"])
def test_a_missing_asset_is_a_404_never_the_app(http: Client, path: str) -> None:
    reply = raw(http, "GET", path)
    assert reply.status == 404
    assert "<html" not in reply.text


@pytest.mark.parametrize(
    "path",
    [
        "/app/../pyproject.toml",
        "/app/assets/../../pyproject.toml",
        "/app/%2e%2e/pyproject.toml",
        "/app/assets/..%2f..%2fpackage.json",
        "/app/..%5c..%5cpyproject.toml",
        "/app/.goalpost-built",
    ],
)
def test_nothing_outside_the_built_app_is_served(http: Client, path: str) -> None:
    reply = raw(http, "GET", path)
    assert reply.status in (400, 404), (path, reply.status)
    assert "[project]" not in reply.text
    assert "<html" not in reply.text


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_config_json_points_at_this_server_as_the_browser_named_it(http: Client, host: str) -> None:
    port = urlsplit(http.base).port
    origin = f"http://{host}:{port}"
    reply = raw(http, "GET", "/app/config.json", {"Host": f"{host}:{port}"})
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["cache-control"] == "no-store"
    assert json.loads(reply.text) == {
        "api_url": origin,
        "auth": {
            "authorize_url": f"{origin}/_local/oauth2/authorize",
            "token_url": f"{origin}/_local/oauth2/token",
            "logout_url": None,
            "client_id": CLIENT_ID,
            "scope": "openid email goalpost/api",
            "redirect_uri": f"{origin}/app/callback",
        },
    }


@pytest.mark.parametrize(("path", "location"), [("/", "/app/"), ("/app", "/app/")])
def test_the_root_and_app_without_a_slash_lead_to_the_app(http: Client, path: str, location: str) -> None:
    for method in ("GET", "HEAD"):
        reply = raw(http, method, path)
        assert (reply.status, reply.headers["location"]) == (302, location)


def test_other_methods_at_the_root_are_the_apis(http: Client) -> None:
    reply = raw(http, "POST", "/")
    assert reply.status != 302
    assert "content-security-policy" not in reply.headers


def test_the_app_is_read_only(http: Client) -> None:
    reply = raw(http, "POST", "/app/goals")
    assert reply.status == 405
    assert reply.headers["allow"] == "GET, HEAD"


def test_the_api_is_still_the_api(http: Client) -> None:
    assert raw(http, "GET", "/health").status == 200
    other = raw(http, "GET", "/application")  # not under /app/: the API's own answer (its catch-all wants a token)
    assert other.status == 401
    assert "content-security-policy" not in other.headers


@pytest.mark.parametrize(
    ("accept", "content_type"), [("text/html,application/xhtml+xml", "text/html"), ("*/*", "application/json")]
)
def test_an_unbuilt_app_says_to_run_make_run(tmp_path: Path, accept: str, content_type: str) -> None:
    reply = WebApp(tmp_path / "dist").answer("GET", "/app/goals/x", origin="http://127.0.0.1:3000", accept=accept)
    assert reply is not None
    assert reply.status == 503
    assert reply.headers["content-type"].startswith(content_type)
    assert "make run" in reply.body.decode()
