"""API Gateway HTTP API route selection over the declared routes, and the payload 2.0 event it sends."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from goalpost import declaration
from goalpost.declaration import Function, Route
from infra.local.aws import ACCOUNT_ID


@dataclass(frozen=True)
class Match:
    function: Function
    route: Route
    path_parameters: dict[str, str]


def _match_path(pattern: str, path: str) -> dict[str, str] | None:
    """Path parameters when ``path`` matches the route ``pattern`` (``{name}`` one segment, ``{name+}`` the
    rest), else None."""
    pattern_parts = pattern.strip("/").split("/") if pattern != "/" else [""]
    path_parts = path.strip("/").split("/") if path != "/" else [""]
    parameters: dict[str, str] = {}
    for index, part in enumerate(pattern_parts):
        if part.startswith("{") and part.endswith("+}"):
            rest = path_parts[index:]
            if not rest or rest == [""]:
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return parameters
        if index >= len(path_parts):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not path_parts[index]:
                return None
            parameters[part[1:-1]] = unquote(path_parts[index])
        elif part != path_parts[index]:
            return None
    return parameters if len(pattern_parts) == len(path_parts) else None


def _specificity(route: Route) -> tuple[int, int, int]:
    """API Gateway prefers literal paths over variables over greedy variables, longer over shorter, and an
    explicit method over ANY."""
    parts = route.path.strip("/").split("/")
    greedy = any(p.endswith("+}") for p in parts)
    variables = sum(p.startswith("{") for p in parts)
    literal = len(parts) - variables
    return (0 if greedy else 1, literal * 10 - variables, 0 if route.method == "ANY" else 1)


def select_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway picks for a request among ``routes``, and its path parameters."""
    default: tuple[Route, dict[str, str]] | None = None
    for route in sorted(routes, key=_specificity, reverse=True):
        if route.path == "$default":
            default = (route, {})
            continue
        if route.method not in ("ANY", method):
            continue
        parameters = _match_path(route.path, path)
        if parameters is not None:
            return route, parameters
    return default


def route_from_key(route_key: str) -> Route:
    """A ``Route`` from an API Gateway route key (``GET /health``, ``$default``)."""
    if route_key == "$default":
        return Route("ANY", "$default")
    method, _, path = route_key.partition(" ")
    return Route(method, path)


class RouteTable:
    """The declared routes of the API functions, chosen between as API Gateway chooses."""

    def __init__(self, functions: tuple[Function, ...] = declaration.API_FUNCTIONS) -> None:
        self._functions = {route: function for function in functions for route in function.routes}

    def match(self, method: str, path: str) -> Match | None:
        selected = select_route(list(self._functions), method, path)
        if selected is None:
            return None
        route, parameters = selected
        return Match(self._functions[route], route, parameters)


def build_event(
    *,
    match: Match,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    claims: dict[str, str] | None,
    host: str,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload format 2.0 event for one request."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        merged[lowered] = f"{merged[lowered]},{value}" if lowered in merged else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = datetime.now(UTC)
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "domainName": host,
        "domainPrefix": host.split(".", maxsplit=1)[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": merged.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": match.route.route_key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(time.time() * 1000),
    }
    if claims is not None:
        # An access token's scopes as a list beside its claims, as API Gateway passes them (None without any).
        scopes = claims["scope"].split() if claims.get("scope") else None
        request_context["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": request_context,
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event
