"""The local HTTP gateway: API Gateway's routing, JWT authorizer and throttling in front of the same handlers
Lambda runs, plus the ``/_local/*`` control routes that are never deployed."""

from __future__ import annotations

import base64
import io
import json
import re
import sys
import threading
import time
import traceback
from datetime import datetime
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from goalpost import declaration
from goalpost.edges.api import NO_SUCH_ROUTE
from infra.local.auth import MAX_TTL_SECONDS, InvalidToken, TokenAuthority, api_gateway_claims, bearer_token
from infra.local.aws import published
from infra.local.lambdas import FunctionTimeout, HandlerRegistry, IntegrationTimeout
from infra.local.oauth import USER_ID_PATTERN, LocalSignIn
from infra.local.routing import Match, RouteTable, build_event
from infra.local.scheduler import JobRunner
from infra.local.webapp import DIST, Reply, WebApp, origin

MAX_BODY_BYTES = 1024 * 1024
# How long an HTTP API waits for its Lambda integration (the default and the most): past it, API Gateway answers
# 503 while the function runs on. A function's own timeout, if shorter, ends it first: a 500.
INTEGRATION_TIMEOUT_SECONDS = 30.0
BODY_TIMEOUT_SECONDS = 10.0  # a body that has not arrived whole by then is a 408
IDLE_TIMEOUT_SECONDS = 60.0  # a connection silent this long (between requests or within one) is closed
METHOD = re.compile(r"[A-Z][A-Z0-9_-]*")  # API Gateway takes methods in capitals only
HTTP_VERSIONS = ("HTTP/1.0", "HTTP/1.1")
LOCAL_ROUTES = (
    "POST /_local/token, POST /_local/jobs/{name}, PUT /_local/market, PUT /_local/exchange, GET /_local/published, "
    "GET /_local/jwks.json, GET/POST /_local/oauth2/authorize (the web app's sign-in page), "
    "POST /_local/oauth2/token"
)
# What a newcomer's first monitor run needs to know: the market's new prices reach the cache by a price update.
MARKET_NOTE = (
    "The simulated provider answers these prices from now on. Goalpost's price cache (GET /prices, the monitor, "
    "the portfolio) takes them at the next price update: every 10 s with the schedules on, or now with "
    "POST /_local/jobs/price_update (which also runs the position monitor on what moved)."
)
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


class Answered(Exception):
    """A request the gateway answers itself, with ``status`` and ``detail``."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class ControlError(Answered):
    """A ``/_local/`` control request refused: answered as JSON, the connection kept."""


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
        body_timeout_seconds: float = BODY_TIMEOUT_SECONDS,
        idle_timeout_seconds: float = IDLE_TIMEOUT_SECONDS,
        web_dist: Path = DIST,
    ) -> None:
        super().__init__(address, GatewayRequestHandler)
        self.authority = authority
        self.sign_in = LocalSignIn(authority)
        self.web_app = WebApp(web_dist)
        self.registry = registry
        self.runner = runner
        self.routes = RouteTable()
        self.catch_all = next(
            (Match(f, route, {}) for f in declaration.API_FUNCTIONS for route in f.routes if route.path == "$default"),
            None,
        )
        self.market = market
        self.integration_timeout_seconds = integration_timeout_seconds
        self.body_timeout_seconds = body_timeout_seconds
        self.idle_timeout_seconds = idle_timeout_seconds
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
                return HTTPStatus.OK, {**self.market.configure(_json_object(body)), "note": MARKET_NOTE}
            except ValueError as error:
                raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, str(error)) from None
        if path == "/_local/exchange" and method == "PUT":
            return HTTPStatus.OK, self._exchange(_json_object(body, exact_numbers=True))
        if path == "/_local/jwks.json" and method == "GET":
            return HTTPStatus.OK, self.authority.jwks()
        raise ControlError(HTTPStatus.NOT_FOUND, f"No such local route; they are {LOCAL_ROUTES}")

    def _exchange(self, body: dict[str, Any]) -> dict[str, Any]:
        """The simulated account behind one API key, answered without its secret; ``base_url`` is where the
        simulated Binance and Alpaca endpoints listen (the market server's)."""
        if self.market is None:
            raise ControlError(HTTPStatus.NOT_IMPLEMENTED, "The simulated market is not part of this build yet")
        try:
            return {**self.market.exchange.configure(body), "base_url": self.market.url}
        except ValueError as error:
            raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, str(error)) from None

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


def _json_object(body: bytes, *, empty_ok: bool = False, exact_numbers: bool = False) -> dict[str, Any]:
    """``exact_numbers``: fractions read as Decimal, digit for digit (money), not as floats."""
    if not body.strip():
        if empty_ok:
            return {}
        raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "A JSON object body is required")
    try:
        parsed = json.loads(body, parse_float=Decimal) if exact_numbers else json.loads(body)
    except ValueError:
        raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "The body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ControlError(HTTPStatus.UNPROCESSABLE_ENTITY, "The body must be a JSON object")
    return parsed


class Refused(Answered):
    """A request the gateway answers itself (before any route), closing the connection after."""


def request_line_problem(words: list[str]) -> str | None:
    """Why API Gateway would refuse this request line (split on single spaces), or None."""
    if len(words) != 3:
        return "The request line must be '<METHOD> <path> HTTP/1.1'"
    method, target, version = words
    if not METHOD.fullmatch(method):
        return f"Invalid method {method!r}"
    if not target.startswith("/"):
        return "The request target must be a path, such as /goals"
    if version not in HTTP_VERSIONS:
        return f"Unsupported protocol {version!r}"
    return None


class GatewayRequestHandler(BaseHTTPRequestHandler):
    server: LocalGateway
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, a keep-alive client (a browser,
    # schemathesis) waited for its own delayed ACK, 40 ms, on every answer.
    disable_nagle_algorithm = True
    target = "/"  # the request target exactly as sent (http.server's ``path`` reduces a leading // to /)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the handlers log structured lines; an access log per request would drown them

    def setup(self) -> None:
        super().setup()
        # An idle keep-alive connection, or a client that stops mid-request, is dropped after this long
        # instead of holding its thread for good.
        self.connection.settimeout(self.server.idle_timeout_seconds)

    def parse_request(self) -> bool:
        """http.server serves what API Gateway refuses: HTTP/0.9 (answered with no status line at all), any
        method spelling, absolute-form targets; each is a 400 here."""
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split(" ")
        problem = request_line_problem(words) if line else None
        if problem is not None:
            self.requestline, self.command, self.request_version = line, "", self.protocol_version
            self.send_error(HTTPStatus.BAD_REQUEST, problem)
            return False
        if not super().parse_request():
            return False
        self.target = words[1]
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every refusal of http.server's (a request line or headers it cannot read, a URI too long) and ours in
        API Gateway's JSON, under an HTTP/1.1 status line, with the connection closed after."""
        if self.request_version not in HTTP_VERSIONS:
            self.request_version = self.protocol_version
        self.close_connection = True
        phrase = HTTPStatus(code).phrase
        self._send_json(code, {"message": phrase, "detail": message or phrase})

    def do_OPTIONS(self) -> None:
        # A preflight's body (if a client sends one) is read off the connection, or it would be taken for
        # the next request on this keep-alive connection.
        try:
            self._read_body()
        except Refused as refused:
            self.send_error(refused.status, refused.detail)
            return
        self._send(HTTPStatus.NO_CONTENT, {**CORS_HEADERS}, b"")

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, CONNECT, made-up ones) matches no route, and API Gateway answers those with
        # its JSON 404 rather than http.server's HTML 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    # ------------------------------------------------------------ the body, within its time limit

    def _read_body(self) -> bytes:
        """The request body, whole, within ``body_timeout_seconds``. Refused when it is over the limit, its
        framing is unreadable, it ends early or it is late (the connection is then closed: where the next
        request would start is unknown)."""
        deadline = time.monotonic() + self.server.body_timeout_seconds
        try:
            if "chunked" in self.headers.get("transfer-encoding", "").lower():
                return self._read_chunked(deadline)
            text = self.headers.get("content-length") or "0"
            if not text.isdigit() or int(text) > MAX_BODY_BYTES:
                raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large or unreadable")
            return self._read_exactly(int(text), deadline)
        except TimeoutError:
            raise Refused(HTTPStatus.REQUEST_TIMEOUT, "The request body did not arrive in time") from None
        finally:
            self.connection.settimeout(self.server.idle_timeout_seconds)

    def _buffered(self, deadline: float) -> io.BufferedReader:
        """The connection's reader, its next socket read limited to what is left of ``deadline``."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.connection.settimeout(left)
        return cast(io.BufferedReader, self.rfile)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        parts: list[bytes] = []
        while size > 0:
            part = self._buffered(deadline).read1(min(size, 65536))
            if not part:
                raise Refused(HTTPStatus.BAD_REQUEST, "The request body ended before its declared length")
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def _read_line(self, limit: int, deadline: float) -> bytes:
        line = b""
        while len(line) < limit and not line.endswith(b"\n"):
            ahead = self._buffered(deadline).peek(1)[: limit - len(line)]
            if not ahead:
                raise Refused(HTTPStatus.BAD_REQUEST, "The request body ended before its last chunk")
            end = ahead.find(b"\n")
            line += self.rfile.read(len(ahead) if end < 0 else end + 1)  # already buffered: no wait
        return line

    def _read_chunked(self, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self._read_line(64, deadline).split(b";")[0].strip()
            try:
                chunk_size = int(line, 16)
            except ValueError:
                chunk_size = -1
            size += chunk_size
            if chunk_size < 0 or size > MAX_BODY_BYTES:
                raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large or unreadable")
            if chunk_size == 0:
                while self._read_line(1024, deadline).strip():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self._read_exactly(chunk_size, deadline))
            self._read_line(8, deadline)  # the CRLF after each chunk

    # ------------------------------------------------------------ answering

    def _handle(self) -> None:
        try:
            path, _, query = self.target.partition("?")
            body = self._read_body()
            site = origin(self.headers.get("host"), self.server.url)
            if path.startswith("/_local/oauth2/"):
                content_type = self.headers.get("content-type", "")
                self._send_reply(
                    self.server.sign_in.answer(self.command, path, query, body, origin=site, content_type=content_type)
                )
            elif path.startswith("/_local/"):
                self._handle_control(path, body)
            elif (page := self._web_app_page(path, site)) is not None:
                self._send_reply(page)
            else:
                self._handle_api(path, query, body)
        except Refused as refused:
            self.send_error(refused.status, refused.detail)
        except Exception as error:  # a gateway bug must not kill the connection without an answer
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error", "detail": str(error)}
            )

    # BaseHTTPRequestHandler answers a method with its do_<METHOD>: all but OPTIONS are answered alike.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def _web_app_page(self, path: str, site: str) -> Reply | None:
        return self.server.web_app.answer(
            self.command,
            path,
            origin=site,
            accept=self.headers.get("accept", ""),
            if_none_match=self.headers.get("if-none-match", ""),
        )

    def _send_reply(self, reply: Reply) -> None:
        # The app and its sign-in are pages of this origin, not API answers: no CORS headers.
        self._send(reply.status, reply.headers, reply.body, cors=False)

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
        # API Gateway matches the path's segments as sent: one left empty (``//goals``) is no declared path.
        match = gateway.routes.match(method, path) if "//" not in path else gateway.catch_all
        if match is None:
            self._send_json(HTTPStatus.NOT_FOUND, {"message": "Not Found", "detail": NO_SUCH_ROUTE})
            return
        claims = None
        if not match.route.public:
            try:
                verified = gateway.authority.verify(bearer_token(self.headers.get("authorization")))
            except InvalidToken as refused:
                # API Gateway's JWT authorizer answers before any handler runs, with a bare message (401, or 403
                # for a valid token without the route's scope); locally ``detail`` says why and what to do.
                print(f"{refused.status:d} {self.command} {path}: {refused}", file=sys.stderr, flush=True)
                self._send_json(
                    refused.status,
                    {"message": refused.status.phrase, "detail": str(refused)},
                    {"www-authenticate": refused.challenge},
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
        *,
        cors: bool = True,
    ) -> None:
        self.send_response(status)
        for name, value in {**(CORS_HEADERS if cors else {}), **headers}.items():
            if name not in ("content-length", "connection"):
                self.send_header(name, value)
        for cookie in cookies or []:
            self.send_header("set-cookie", cookie)
        self.send_header("content-length", str(len(body) if length is None else length))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":  # a HEAD answer has the length of the body, never the body
            self.wfile.write(body)
