"""The shared HTTP API setup: resolver, auth claims, error mapping, idempotency, pagination headers.

Handler modules declare routes on a ``Router`` and call one service function; everything HTTP-shaped that
is the same for every route lives here, once.
"""

from __future__ import annotations

import base64
import hmac
import inspect
import json
import math
from collections.abc import Callable, Sequence
from functools import wraps
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, cast, get_args, get_origin

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from goalpost import declaration
from goalpost.domain.errors import (
    ConcurrentModification,
    DomainError,
    Forbidden,
    InvalidInput,
    ProviderUnavailable,
    Unauthorized,
)
from goalpost.edges.body import parse_json_body
from goalpost.edges.secrets import json_secret
from goalpost.observability import logger, metrics, metrics_enabled
from goalpost.settings import get_settings

if TYPE_CHECKING:
    from goalpost.data import idempotency

IDEMPOTENCY_HEADER = "idempotency-key"
NEXT_TOKEN_HEADER = "X-Next-Token"  # noqa: S105 (a header name, not a secret)
MAX_IDEMPOTENCY_KEY_LENGTH = 255
# The 404 of a path no route serves says where the routes are (an unknown object's 404 names the object).
NO_SUCH_ROUTE = "No such route: the API's routes are listed at /docs (the OpenAPI document: /openapi.json)"
# The largest body any route needs is a budget snapshot of a few KiB; API Gateway alone would pass 10 MB to a
# function, which would spend its memory and time parsing it.
MAX_BODY_BYTES = 64 * 1024
# The answer to a request that did not come through the edge (CloudFront): it says nothing about the API.
ORIGIN_REFUSED = "Forbidden: this API is served through its CloudFront distribution only"
# The origin secret changes only with a deploy (which updates CloudFront's header and the functions alike):
# a container reads it once, and again after this long in case it was rotated by hand.
ORIGIN_SECRET_MAX_AGE_SECONDS = 3600.0

# Documented on every route; their body schema (``Error``) is set in one place, goalpost.edges.docs.
ERROR_RESPONSES: dict[int, Any] = {
    code: {"description": description}
    for code, description in (
        (400, "A business rule is broken"),
        (
            401,
            "Missing, malformed, expired or wrongly signed token: the gateway's authorizer answers before the route "
            '(deployed, API Gateway\'s own {"message": "Unauthorized"})',
        ),
        (404, "No such object for this user"),
        (
            409,
            "The object's state forbids the change; or, with Retry-After, other requests kept changing it and the "
            "server's own retries did not get this change through: send the same request again after that delay",
        ),
        (422, "The request does not match the schema"),
        (
            429,
            "Throttled, before the route: deployed, by the edge's per-client limits (per IP, per token, tighter on "
            'the costly routes), answering {"detail": ...}, or by the stage, which takes '
            f"{declaration.THROTTLE_RATE_PER_SECOND} requests a second in bursts of up to {declaration.THROTTLE_BURST} "
            '(API Gateway\'s own {"message": "Too Many Requests"}). Send the request again after a pause',
        ),
    )
}
ERROR_RESPONSES[409]["headers"] = {
    "Retry-After": {"description": "Seconds to wait before sending the request again", "schema": {"type": "integer"}}
}


def responses(status: int, model: Any, description: str = "Success") -> dict[int, Any]:
    """The OpenAPI responses of a route: its success shape and every error shape."""
    success: dict[str, Any] = {"description": description}
    if model is not None:
        success["content"] = {"application/json": {"model": model}}
    return {status: success, **ERROR_RESPONSES}


class ApiRouter(Router):
    """A router whose routes are documented alike: under the router's tags, answering with the route's status
    code and the model of its return type, or with any of ``ERROR_RESPONSES``. A route that passes its own
    ``tags`` or ``responses`` keeps them."""

    def __init__(self, *tags: str) -> None:
        super().__init__()
        self.default_tags = list(tags)

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        # Router.get/post/... pass every option by position: bound to Router.route's own signature, by name.
        given = inspect.signature(Router.route).bind(self, rule, method, *args, **kwargs)
        given.apply_defaults()
        options = {name: value for name, value in given.arguments.items() if name != "self"}
        if options["tags"] is None:
            options["tags"] = self.default_tags
        register = super().route

        def documented(route: Callable[..., Any]) -> Any:
            if options["responses"] is None:
                options["responses"] = responses(options["status_code"], _answer_model(route))
            return register(**options)(route)

        return documented


def _answer_model(route: Callable[..., Any]) -> Any:
    """What a route answers with: its return type, or the body type of a ``Response[...]`` (None: no body)."""
    answer = inspect.signature(route, eval_str=True).return_annotation
    if get_origin(answer) is Response:
        (answer,) = get_args(answer)
    return None if answer is type(None) else answer


def _error(status: int, detail: Any) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"detail": detail})


def _validation_detail(error: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "Invalid value")), "type": e.get("type", "")}
        for e in error.errors()
    ]


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    """Domain errors -> their HTTP status; validation -> 422; anything unexpected -> a generic 500 body with
    the request id (the traceback goes only to the logs)."""

    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        answer = _error(error.status_code, error.detail)
        if isinstance(error, ConcurrentModification):
            answer.headers["Retry-After"] = str(error.retry_after_seconds)
        elif isinstance(error, ProviderUnavailable) and error.retry_after_seconds is not None:
            # Retry-After takes whole seconds: rounded up, so a client that waits it out is not refused again.
            answer.headers["Retry-After"] = str(max(0, math.ceil(error.retry_after_seconds)))
        return answer

    @app.exception_handler(RequestValidationError)
    def validation_error(error: RequestValidationError) -> Response:
        return _error(HTTPStatus.UNPROCESSABLE_ENTITY, _validation_detail(error))

    @app.not_found
    def not_found(_: NotFoundError) -> Response:
        return _error(HTTPStatus.NOT_FOUND, NO_SUCH_ROUTE)

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("Unhandled error")
        metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
        request_id = _event(app).request_context.request_id
        return Response(
            status_code=HTTPStatus.INTERNAL_SERVER_ERROR,
            content_type=content_types.APPLICATION_JSON,
            body={"detail": "Internal server error", "request_id": request_id},
        )


def build_resolver(*routers: Router) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
    register_error_handlers(app)
    for router in routers:
        app.include_router(router)
    # Including a router copies the context of the resolver that included it last. The local server includes one
    # router in a resolver per execution environment (a handler module is loaded per environment, the modules it
    # imports once): a request under way in another environment must leave nothing here.
    app.clear_context()
    return app


def lambda_handler(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point around a resolver: structured logs with the request's correlation id, EMF
    metrics flushed per invocation."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=metrics_enabled())
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if not _through_the_edge(event):
            return _refused(HTTPStatus.FORBIDDEN, ORIGIN_REFUSED)
        if _body_bytes(event) > MAX_BODY_BYTES:
            metrics.add_metric(name="BodiesTooLarge", unit="Count", value=1)
            return _refused(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The request body is over {MAX_BODY_BYTES // 1024} KiB"
            )
        request = _as_json_request(event)
        if request is None:
            metrics.add_metric(name="BodiesNotUtf8", unit="Count", value=1)
            return _refused(HTTPStatus.UNPROCESSABLE_ENTITY, "The request body is not valid UTF-8 text")
        return app.resolve(request, context)

    return handler


def _through_the_edge(event: dict[str, Any]) -> bool:
    """Whether the request carries CloudFront's origin secret; always true where no secret is set (locally).
    Compared in constant time, so the answer's timing tells a direct caller nothing about the secret."""
    secret_arn = get_settings().origin_secret_arn
    if not secret_arn:
        return True
    headers = event.get("headers")
    sent = headers.get(declaration.ORIGIN_VERIFY_HEADER) if isinstance(headers, dict) else None
    if not isinstance(sent, str):
        return False
    expected = str(json_secret(secret_arn, ORIGIN_SECRET_MAX_AGE_SECONDS)[declaration.ORIGIN_SECRET_FIELD])
    return hmac.compare_digest(sent.encode(), expected.encode())


def _body_bytes(event: dict[str, Any]) -> int:
    body = str(event.get("body") or "")
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4
    # A character is 1..4 bytes in UTF-8: only a body near the limit needs encoding to measure.
    return len(body) if len(body) * 4 <= MAX_BODY_BYTES else len(body.encode("utf-8", errors="replace"))


def _refused(status: int, detail: str) -> dict[str, Any]:
    """An answer given before the resolver runs: the body is one no route could read."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"detail": detail}),
        "isBase64Encoded": False,
    }


def _as_json_request(event: dict[str, Any]) -> dict[str, Any] | None:
    """The API speaks JSON only: a body sent without a JSON content type (``curl -d``) is read as JSON
    rather than as a form, and a binary body (API Gateway base64-encodes what is not text) must be UTF-8
    text, else None: stored text is exactly what was sent, never a replacement character."""
    if event.get("isBase64Encoded") and event.get("body"):
        try:
            event["body"] = base64.b64decode(str(event["body"]), validate=True).decode("utf-8")
        except ValueError:  # binascii.Error and UnicodeDecodeError are both ValueErrors
            return None
        event["isBase64Encoded"] = False
    headers = event.get("headers")
    if event.get("body") and isinstance(headers, dict) and "json" not in headers.get("content-type", ""):
        event["headers"] = {**headers, "content-type": content_types.APPLICATION_JSON}
    return event


# ---------------------------------------------------------------- auth


def parse_groups(raw: Any) -> set[str]:
    """``cognito:groups`` as a list, a JSON array, or API Gateway's rendering ``"[admin users]"``."""
    if raw is None:
        return set()
    if isinstance(raw, list | tuple | set):
        return {str(g) for g in raw}
    text = str(raw).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return {str(g) for g in parsed}
        text = text[1:-1]
    return {part for part in text.replace(",", " ").split() if part}


def _event(app: APIGatewayHttpResolver | Router) -> APIGatewayProxyEventV2:
    return cast(APIGatewayProxyEventV2, app.current_event)


def _claims(request: Request) -> dict[str, Any]:
    authorizer = cast(APIGatewayProxyEventV2, request.resolved_event).request_context.authorizer
    return (authorizer.jwt_claim if authorizer else None) or {}


def _caller(request: Request) -> str:
    """The caller is the token's ``sub``; nothing else in a request can name a user."""
    sub = _claims(request).get("sub")
    # Cognito subs are UUIDs; '#' separates key parts, so a sub holding one could never be a real user.
    if not sub or not isinstance(sub, str) or "#" in sub:
        raise Unauthorized("Unauthorized")
    return sub


def _admin(request: Request) -> str:
    user = _caller(request)
    if get_settings().admin_group not in parse_groups(_claims(request).get("cognito:groups")):
        raise Forbidden("Admin only")
    return user


# The caller of a route, as a typed parameter (``user: Caller``): resolved before the route runs, 401 without one.
Caller = Annotated[str, Depends(_caller)]
# A caller in the admin group (``admin: Admin``): 401 without a caller, 403 outside the group.
Admin = Annotated[str, Depends(_admin)]


# ---------------------------------------------------------------- responses


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def page_response(items: Sequence[BaseModel], next_token: str | None) -> Response:
    """A page as a bare JSON array of the items; ``X-Next-Token`` when more items exist."""
    headers = {NEXT_TOKEN_HEADER: next_token} if next_token else None
    return json_response(HTTPStatus.OK, [item.model_dump(mode="json") for item in items], headers)


# ---------------------------------------------------------------- idempotency

IDEMPOTENCY_KEY_NOTE = (
    "Makes a retry safe. The same key with the same body within 24 hours replays the first response (its status "
    "and body) and does nothing again; of two such requests at once, one acts and the other replays its answer. "
    "The same key with another body is 422. Keys are per user and per path. Without the header every request acts "
    "anew."
)
# The header as a route parameter: documented (and its length checked) by the resolver. Only ``idempotent`` adds it
# to a route, so the routes documented with it are exactly those that honour it.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER, min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH, description=IDEMPOTENCY_KEY_NOTE
    ),
]
_KEY_PARAMETER = "idempotency_key"
_REQUEST_PARAMETER = "idempotency_request"  # the resolver hands a parameter typed Request the current request
KEY_REUSED = "Idempotency-Key was already used with a different request body"


def idempotent(
    operation: str, answer: Callable[[Any], BaseModel]
) -> Callable[[Callable[..., BaseModel]], Callable[..., dict[str, Any]]]:
    """A route that honours Idempotency-Key: it runs once per (user, ``operation``, path, key), a retry with the
    same body gets the first answer back, the same key with another body is a 422; without the header the route
    runs. The route returns its response model; the answer is that model's JSON, with the route's status code.

    The record of the key is written in the route's own transaction (``goalpost.data.idempotency``), so it
    holds the response before the route has returned: the service names its result (``idempotency.answer``)
    and ``answer`` renders it, as the route renders what the service returns.

    ``operation`` is part of the stored records' keys: it stays when the route is renamed. The resolver reads the
    signature returned here: the route's own parameters, with the header parameter added."""

    def render(result: Any) -> dict[str, Any]:
        return answer(result).model_dump(mode="json")

    def decorate(route: Callable[..., BaseModel]) -> Callable[..., dict[str, Any]]:
        # Annotations evaluated here, in the route's module: the resolver reads them where the wrapper lives.
        signature = inspect.signature(route, eval_str=True)
        request = inspect.Parameter(_REQUEST_PARAMETER, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
        key = inspect.Parameter(
            _KEY_PARAMETER, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=IdempotencyKey
        )
        parameters = [request, *signature.parameters.values(), key]

        @wraps(route)
        def respond(**arguments: Any) -> dict[str, Any]:
            current: Request = arguments.pop(_REQUEST_PARAMETER)
            given: str | None = arguments.pop(_KEY_PARAMETER, None)
            run = lambda: route(**arguments).model_dump(mode="json")  # noqa: E731
            return run() if given is None else _once(idempotency_claim(operation, current, given, render), run)

        respond.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        respond.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": signature.return_annotation}
        return respond

    return decorate


def idempotency_claim(operation: str, request: Request, key: str, render: idempotency.Render) -> idempotency.Claim:
    # Imported on use: the data layer (botocore) is for the requests that carry a key; the others may not need it.
    from goalpost.data import idempotency

    event = request.resolved_event
    query = event.query_string_parameters
    # A route whose request is its query string (record-profit) has it checked as a body is. The path is part of
    # the scope: one key sent to two goals' sub-resources is two requests.
    sent = {"query": query, "body": event.json_body} if query else event.json_body
    return idempotency.new_claim(_caller(request), operation, event.path, key, sent, render)


def _once(claim: idempotency.Claim, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Runs the route with ``claim`` pending, or answers from the key's record: when the route's write was
    refused by it (a retry, a concurrent twin, another body), and when the route refuses now what the key's
    first request did (a retry after a goal cap was reached, a milestone added)."""
    from goalpost.data import idempotency

    try:
        with idempotency.claiming(claim):
            response = run()
            if not claim.written:  # the route wrote nothing (or nothing the record could join): it stands alone
                idempotency.store_alone(claim, response)
    except idempotency.KeyUsed:
        return _replay(claim, idempotency.read(claim.record_id))
    except DomainError:
        earlier = idempotency.read(claim.record_id)
        if earlier is None:
            raise
        return _replay(claim, earlier)
    return claim.response if claim.response is not None else response


def _replay(claim: idempotency.Claim, record: idempotency.Record | None) -> dict[str, Any]:
    if record is None:  # refused by a record that expired (or went) since: the client's retry acts anew
        raise ConcurrentModification("A request with this Idempotency-Key was under way; try again")
    if not hmac.compare_digest(record.body_hash, claim.body_hash):
        raise InvalidInput(KEY_REUSED)
    return cast(dict[str, Any], record.response)
