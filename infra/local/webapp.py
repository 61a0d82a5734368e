"""The web app on the local server: ``web/dist`` at ``/app/``, as CloudFront serves it deployed.

Files with their content types; ``index.html`` for every other ``/app/...`` path (client-side routes such as
``/app/goals/{id}``), except under ``/app/assets/``, where a missing file is a 404 (a stale page asking for a
bundle that is gone must fail, not get HTML as JavaScript). ``/app/config.json`` is made from the URL the browser
used, so 127.0.0.1 and localhost both work. Every answer carries the deployed security headers, a content
security policy that allows nothing but this origin included."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote

from goalpost import declaration
from infra.dev.web import DIST
from infra.local.auth import CLIENT_ID

APP_PREFIX = "/app/"
ASSETS_PREFIX = "/app/assets/"
# The deployed policy (infra/constructs/web.py) with this server as the sign-in origin too.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
# Vite names every file under assets/ by its content: a new build never reuses a name.
IMMUTABLE = "public, max-age=31536000, immutable"
# Everything else (index.html above all) is checked with the server on each use, so a new build shows at once.
REVALIDATE = "no-cache"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}
SCOPE = f"openid email {declaration.API_SCOPE}"
# A Host header as a browser sends it: a name or IPv4 address, or a bracketed IPv6 address, and a port.
HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
NOT_BUILT = (
    "The web app is not built: web/dist/index.html is missing. Run `make run`, which builds it (or "
    "`.venv/bin/python -m infra.dev.web`), then reload this page."
)


@dataclass
class Reply:
    """An answer the local server sends as it is, outside the API's routing."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def origin(host_header: str | None, fallback: str) -> str:
    """``http://<the Host the browser used>``, or ``fallback`` (the server's own URL) for a missing or odd one."""
    if host_header and HOST.fullmatch(host_header):
        return f"http://{host_header}"
    return fallback


def app_config(origin: str) -> dict[str, object]:
    """What the app reads at start-up (web/src/config.ts): this server's API and its local sign-in routes."""
    return {
        "api_url": origin,
        "auth": {
            "authorize_url": f"{origin}/_local/oauth2/authorize",
            "token_url": f"{origin}/_local/oauth2/token",
            "logout_url": None,  # nothing to end locally: sign-out clears the tokens and returns to /app/
            "client_id": CLIENT_ID,
            "scope": SCOPE,
            "redirect_uri": f"{origin}/app/callback",
        },
    }


def redirect(location: str) -> Reply:
    return Reply(HTTPStatus.FOUND, {**SECURITY_HEADERS, "location": location})


def _problem(status: HTTPStatus, detail: str, accept: str) -> Reply:
    if "text/html" in accept:
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Goalpost</title></head>'
            f"<body><main><h1>{status.phrase}</h1><p>{detail}</p></main></body></html>"
        )
        return Reply(status, {**SECURITY_HEADERS, "content-type": CONTENT_TYPES[".html"]}, page.encode())
    body = json.dumps({"message": status.phrase, "detail": detail}).encode()
    return Reply(status, {**SECURITY_HEADERS, "content-type": "application/json"}, body)


class WebApp:
    def __init__(self, dist: Path = DIST) -> None:
        self.dist = dist.resolve()

    def answer(self, method: str, path: str, *, origin: str, accept: str = "", if_none_match: str = "") -> Reply | None:
        """The answer for ``/``, ``/app`` and anything under ``/app/``; None for every other path (the API's)."""
        if path == "/":
            # A browser pointed at the server lands on the app; any other method at / is the API's to answer.
            return redirect(APP_PREFIX) if method in ("GET", "HEAD") else None
        if path != "/app" and not path.startswith(APP_PREFIX):
            return None
        if method not in ("GET", "HEAD"):
            reply = _problem(HTTPStatus.METHOD_NOT_ALLOWED, "The web app's files are read with GET", accept)
            reply.headers["allow"] = "GET, HEAD"
            return reply
        if path == "/app":
            return redirect(APP_PREFIX)
        if path == f"{APP_PREFIX}config.json":
            body = json.dumps(app_config(origin), indent=2).encode()
            return Reply(
                HTTPStatus.OK,
                {**SECURITY_HEADERS, "content-type": "application/json", "cache-control": "no-store"},
                body,
            )
        return self._file(path, accept, if_none_match)

    def _file(self, path: str, accept: str, if_none_match: str) -> Reply:
        index = self.dist / "index.html"
        if not index.is_file():
            return _problem(HTTPStatus.SERVICE_UNAVAILABLE, NOT_BUILT, accept)
        relative = unquote(path.removeprefix(APP_PREFIX))
        segments = relative.split("/")
        # ``..`` (plain or percent-encoded) is refused outright, never resolved.
        if any(segment in (".", "..") or "\\" in segment or "\0" in segment for segment in segments):
            return _problem(HTTPStatus.BAD_REQUEST, "The path leaves the web app's folder", accept)
        hidden = any(segment.startswith(".") for segment in segments)  # build stamps are not the app's
        file = self.dist.joinpath(*segments) if relative and not hidden else index
        if not file.resolve().is_relative_to(self.dist):
            return _problem(HTTPStatus.BAD_REQUEST, "The path leaves the web app's folder", accept)
        if hidden or not file.is_file():
            if hidden or path.startswith(ASSETS_PREFIX):
                return _problem(HTTPStatus.NOT_FOUND, f"No file {path} in the built app", accept)
            file = index  # a client-side route: the app reads the path itself
        return self._send_file(file, if_none_match, immutable=path.startswith(ASSETS_PREFIX))

    def _send_file(self, file: Path, if_none_match: str, *, immutable: bool) -> Reply:
        content = file.read_bytes()
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        headers = {
            **SECURITY_HEADERS,
            "content-type": CONTENT_TYPES.get(file.suffix)
            or mimetypes.guess_type(file.name)[0]
            or "application/octet-stream",
            "cache-control": IMMUTABLE if immutable else REVALIDATE,
            "etag": etag,
        }
        if etag in (tag.strip() for tag in if_none_match.split(",")):
            return Reply(HTTPStatus.NOT_MODIFIED, headers)
        return Reply(HTTPStatus.OK, headers, content)
