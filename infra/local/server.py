"""The local HTTP gateway: API Gateway's routing, JWT authorizer and throttling in front of the same handlers
Lambda runs, plus the ``/_local/*`` control routes that are never deployed."""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import time
import traceback
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from goalpost import declaration
from infra.local.auth import MAX_TTL_SECONDS, InvalidToken, TokenAuthority, api_gateway_claims, bearer_token
from infra.local.aws import published
from infra.local.lambdas import FunctionTimeout, HandlerRegistry, IntegrationTimeout
from infra.local.routing import RouteTable, build_event
from infra.local.scheduler import JobRunner

MAX_BODY_BYTES = 1024 * 1024
# How long an HTTP API waits for its Lambda integration (the default and the most): past it, API Gateway answers
# 503 while the function runs on. A function's own timeout, if shorter, ends it first: a 500.
INTEGRATION_TIMEOUT_SECONDS = 30.0
USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{1,128}$")
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
    "access-control-allow-headers": ",".join(declaration.CORS_ALLOW_HEADERS),
    "access-control-expose-headers": ",".join(declaration.CORS_EXPOSE_HEADERS),
    "access-control-max-age": "600",
}


class TokenBucket:
    """The stage's rate and burst limits (on when ``throttle`` is set)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class ControlError(Exception):
    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class LocalGateway(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a backlog of 5: a burst of concurrent clients would be reset by the kernel.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        *,
        authority: TokenAuthority,
        registry: HandlerRegistry,
        runner: JobRunner,
        throttle: bool = False,
        market: Any = None,
        integration_timeout_seconds: float = INTEGRATION_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(address, GatewayRequestHandler)
        self.authority = authority
        self.registry = registry
        self.runner = runner
        self.routes = RouteTable()
        self.market = market
        self.integration_timeout_seconds = integration_timeout_seconds
        self.bucket = (
            TokenBucket(declaration.THROTTLE_RATE_PER_SECOND, declaration.THROTTLE_BURST) if throttle else None
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    # ------------------------------------------------------------ control routes

    def control(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if path == "/_local/token" and method == "POST":
            return HTTPStatus.OK, self._token(_json_object(body))
        if path.startswith("/_local/jobs/") and method == "POST":
            return HTTPStatus.OK, self._run_job(path.removeprefix("/_local/jobs/"), _json_object(body, empty_ok=True))
        if path == "/_local/published" and method == "GET":
            return HTTPStatus.OK, [item.as_json() for item in published.all()]
        if path == "/_local/market" and method == "PUT":
            if self.market is None:
                raise ControlError(HTTPStatus.NOT_IMPLEMENTED, "The simulated market is not part of this build yet")
            try:
                return HTTPStatus.OK, self.market.configure(_json_object(body))
            except ValueError as error:
                raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, str(error)) from None
        if path == "/_local/jwks.json" and method == "GET":
            return HTTPStatus.OK, self.authority.jwks()
        raise ControlError(HTTPStatus.NOT_FOUND, "Not found")

    def _token(self, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - {"user_id", "groups", "expires_in"}
        if unknown:
            raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, f"Unknown fields: {sorted(unknown)}")
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not USER_ID_PATTERN.match(user_id):
            raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "user_id must be 1..128 of A-Z a-z 0-9 . _ @ + -")
        groups = body.get("groups") or []
        if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
            raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "groups must be a list of names")
        expires_in = body.get("expires_in", 3600)
        if (
            isinstance(expires_in, bool)
            or not isinstance(expires_in, int)
            or not -86400 <= expires_in <= MAX_TTL_SECONDS
        ):
            raise ControlError(
                HTTPStatus.UNPROCESSABLE_ENTITY, f"expires_in must be an integer up to {MAX_TTL_SECONDS}"
            )
        token = self.authority.issue(user_id, groups, expires_in)
        return {"token": token, "token_type": "Bearer", "expires_in": expires_in}

    def _run_job(self, name: str, body: dict[str, Any]) -> Any:
        if name not in declaration.JOBS_BY_NAME:
            raise ControlError(HTTPStatus.NOT_FOUND, f"No job named {name!r}; jobs: {sorted(declaration.JOBS_BY_NAME)}")
        unknown = set(body) - {"now"}
        if unknown:
            raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, f"Unknown fields: {sorted(unknown)}")
        when = None
        if body.get("now") is not None:
            try:
                when = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
            except ValueError:
                raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "now must be an ISO 8601 datetime") from None
            if when.tzinfo is None:
                raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "now must carry a UTC offset")
        return self.runner.run(name, when)


def _json_object(body: bytes, *, empty_ok: bool = False) -> dict[str, Any]:
    if not body.strip():
        if empty_ok:
            return {}
        raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "A JSON object body is required")
    try:
        parsed = json.loads(body)
    except ValueError:
        raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "The body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "The body must be a JSON object")
    return parsed


class GatewayRequestHandler(BaseHTTPRequestHandler):
    server: LocalGateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the handlers log structured lines; an access log per request would drown them

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_OPTIONS(self) -> None:
        # A preflight's body (if a client sends one) is read off the connection, or it would be taken for
        # the next request on this keep-alive connection.
        if self._read_body() is None:
            self.close_connection = True
        self._send(HTTPStatus.NO_CONTENT, {**CORS_HEADERS}, b"")

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, CONNECT, made-up ones) matches no route, and API Gateway answers those with
        # its JSON 404 rather than http.server's HTML 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is over the limit or its framing is unreadable (the connection
        is then closed, since where the next request starts is unknown)."""
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        text = self.headers.get("content-length") or "0"
        if not text.isdigit() or int(text) > MAX_BODY_BYTES:
            return None
        length = int(text)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(64).split(b";")[0].strip()
            try:
                chunk_size = int(line, 16)
            except ValueError:
                return None
            size += chunk_size
            if chunk_size < 0 or size > MAX_BODY_BYTES:
                return None
            if chunk_size == 0:
                while self.rfile.readline(1024).strip():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(chunk_size))
            self.rfile.readline(8)  # the CRLF after each chunk

    def _handle(self) -> None:
        try:
            split = urlsplit(self.path)
            body = self._read_body()
            if body is None:
                self.close_connection = True
                self._send_json(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    {"message": "Request Entity Too Large", "detail": "Request body too large or unreadable"},
                )
                return
            if split.path.startswith("/_local/"):
                self._handle_control(split.path, body)
            else:
                self._handle_api(split.path or "/", split.query, body)
        except Exception as error:  # a gateway bug must not kill the connection without an answer
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error", "detail": str(error)}
            )

    def _handle_control(self, path: str, body: bytes) -> None:
        try:
            status, payload = self.server.control(self.command, path, body)
        except ControlError as error:
            status, payload = error.status, {"detail": error.detail}
        self._send_json(status, payload)

    def _handle_api(self, path: str, query: str, body: bytes) -> None:
        gateway = self.server
        if gateway.bucket is not None and not gateway.bucket.take():
            self._send_json(
                HTTPStatus.TOO_MANY_REQUESTS, {"message": "Too Many Requests", "detail": "Too Many Requests"}
            )
            return
        method = "GET" if self.command == "HEAD" else self.command
        match = gateway.routes.match(method, path)
        if match is None:
            self._send_json(HTTPStatus.NOT_FOUND, {"message": "Not Found", "detail": "Not found"})
            return
        claims = None
        if not match.route.public:
            try:
                verified = gateway.authority.verify(bearer_token(self.headers.get("authorization")))
            except InvalidToken:
                # API Gateway's JWT authorizer answers before any handler runs; the body adds the contract's
                # ``detail`` to the ``message`` API Gateway sends.
                self._send_json(
                    HTTPStatus.UNAUTHORIZED,
                    {"message": "Unauthorized", "detail": "Unauthorized"},
                    {"www-authenticate": "Bearer"},
                )
                return
            claims = api_gateway_claims(verified)
        event = build_event(
            match=match,
            method=method,
            raw_path=path,
            raw_query=query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            claims=claims,
            host=self.headers.get("host", "127.0.0.1"),
        )
        try:
            result = gateway.registry.invoke(match.function, event, wait_seconds=gateway.integration_timeout_seconds)
        except IntegrationTimeout:
            self._send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"message": "Service Unavailable"})
            return
        except FunctionTimeout:
            # Lambda reports a timeout as a function error, which API Gateway answers as any other.
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error"})
            return
        except Exception:
            # What API Gateway answers when the function itself fails (the handlers map their own errors).
            traceback.print_exc(file=sys.stderr)
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error"})
            return
        self._send_lambda_result(result, head=self.command == "HEAD")

    def _send_lambda_result(self, result: Any, *, head: bool) -> None:
        if not isinstance(result, dict) or "statusCode" not in result:
            payload = result if isinstance(result, str) else json.dumps(result)
            self._send(HTTPStatus.OK, {"content-type": "application/json"}, payload.encode())
            return
        headers = {name.lower(): str(value) for name, value in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name.lower()] = ",".join(str(v) for v in values)
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
        cookies = [str(c) for c in result.get("cookies") or []]
        self._send(int(result["statusCode"]), headers, b"" if head else raw, cookies, length=len(raw))

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"content-type": "application/json", **(headers or {})}, json.dumps(payload).encode())

    def _send(
        self,
        status: int,
        headers: dict[str, str],
        body: bytes,
        cookies: list[str] | None = None,
        length: int | None = None,
    ) -> None:
        self.send_response(status)
        for name, value in {**CORS_HEADERS, **headers}.items():
            if name not in ("content-length", "connection"):
                self.send_header(name, value)
        for cookie in cookies or []:
            self.send_header("set-cookie", cookie)
        self.send_header("content-length", str(len(body) if length is None else length))
        self.end_headers()
        if body:
            self.wfile.write(body)
