"""The local server's sign-in (never deployed): OAuth 2.0 authorization code with PKCE, as Cognito's managed
login and token endpoint answer the web app, so the app's code path is the one it runs deployed.

``GET /_local/oauth2/authorize`` checks the request (an unknown client or a ``redirect_uri`` other than this
server's ``/app/callback`` is an error page, never a redirect), then shows a form: **User name**, **Sign in**.
Posting it makes a one-use code, bound to the client, the redirect URI, the PKCE challenge and the user, valid
for 5 minutes, and sends the browser to ``redirect_uri?code=…&state=…``. ``POST /_local/oauth2/token`` trades
the code (with the verifier whose SHA-256 is the challenge) for an access token as ``/_local/token`` issues,
an ID token and a refresh token; ``grant_type=refresh_token`` gives new access and ID tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from infra.local.auth import CLIENT_ID, DEFAULT_TTL_SECONDS, TokenAuthority
from infra.local.webapp import SECURITY_HEADERS, Reply

AUTHORIZE_PATH = "/_local/oauth2/authorize"
TOKEN_PATH = "/_local/oauth2/token"  # noqa: S105 (a route, not a secret)
STYLESHEET_PATH = "/_local/oauth2/sign-in.css"
CALLBACK_PATH = "/app/callback"
CODE_TTL_SECONDS = 5 * 60
REFRESH_TTL_SECONDS = 30 * 24 * 3600  # Cognito's default refresh token validity
SCOPES = frozenset({"openid", "email", "profile", "goalpost/api"})
USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{1,128}$")
USER_NAME_RULE = "A user name is 1 to 128 of the letters A-Z and a-z, digits and . _ @ + -"
# What the form carries from the app's request to the code it makes.
REQUEST_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)
PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256, unpadded
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 section 4.1
STYLESHEET = b"""body { font-family: system-ui, sans-serif; margin: 0; padding: 0 1rem; color: #1a1a1a;
  background: #f6f7f9; }
main { max-width: 24rem; margin: 3rem auto; padding: 1.5rem; background: #fff; border: 1px solid #c9ccd1;
  border-radius: 8px; }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
input { font: inherit; width: 100%; box-sizing: border-box; padding: 0.5rem; border: 1px solid #6b6f76;
  border-radius: 4px; }
button { font: inherit; margin-top: 1rem; padding: 0.5rem 1.25rem; color: #fff; background: #1d4ed8;
  border: 0; border-radius: 4px; cursor: pointer; }
:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.error { color: #a30d0d; }
.hint { color: #4a4d52; font-size: 0.9rem; }
"""


class OAuthError(Exception):
    """A token request refused: ``{"error": code}`` with a 400, as Cognito's token endpoint answers."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)  # str(refused): the error_description
        self.error = error


class BadAuthorizeRequest(Exception):
    """A request that cannot be sent back to its ``redirect_uri`` (unknown client, foreign URI): an error page."""


@dataclass(frozen=True)
class Grant:
    """What a code or a refresh token stands for."""

    user_id: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    expires_at: float


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier``: base64url(SHA-256), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _form(body: bytes) -> dict[str, str]:
    """A form body's fields; a field sent twice is a malformed request (RFC 6749 section 3.1)."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "The body is not UTF-8 form data") from None
    if any(len(values) > 1 for values in parsed.values()):
        raise OAuthError("invalid_request", "A parameter was sent more than once")
    return {name: values[0] for name, values in parsed.items()}


class LocalSignIn:
    def __init__(self, authority: TokenAuthority, *, clock: Callable[[], float] = time.time) -> None:
        self.authority = authority
        self.clock = clock
        self._codes: dict[str, Grant] = {}
        self._refresh_tokens: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def answer(self, method: str, path: str, query: str, body: bytes, *, origin: str, content_type: str) -> Reply:
        if path == AUTHORIZE_PATH and method in ("GET", "HEAD"):
            return self._authorize(_query(query), origin, error=None)
        if path == AUTHORIZE_PATH and method == "POST":
            return self._sign_in(body, origin)
        if path == TOKEN_PATH and method == "POST":
            return self._token(body, content_type)
        if path == STYLESHEET_PATH and method in ("GET", "HEAD"):
            return Reply(HTTPStatus.OK, {**SECURITY_HEADERS, "content-type": "text/css; charset=utf-8"}, STYLESHEET)
        detail = f"No such local sign-in route: GET/POST {AUTHORIZE_PATH}, POST {TOKEN_PATH}"
        return _json(HTTPStatus.NOT_FOUND, {"detail": detail})

    # ------------------------------------------------------------ the authorization endpoint

    def _authorize(self, params: dict[str, str], origin: str, error: str | None) -> Reply:
        try:
            problem = self._check_request(params, origin)
        except BadAuthorizeRequest as refused:
            return _page(HTTPStatus.BAD_REQUEST, _error_page(str(refused)))
        if problem is not None:  # told to the app, which shows "Sign-in failed: …"
            code, description = problem
            return _to_app(params, {"error": code, "error_description": description})
        # The form with its error is a 200, as a managed login page answers: nothing failed but the user's input.
        return _page(HTTPStatus.OK, _sign_in_page(params, error))

    def _sign_in(self, body: bytes, origin: str) -> Reply:
        try:
            fields = _form(body)
        except OAuthError as refused:
            return _page(HTTPStatus.BAD_REQUEST, _error_page(str(refused)))
        user_id = fields.get("username", "").strip()
        error = (
            None if USER_ID_PATTERN.match(user_id) else "Enter a user name." if not user_id else USER_NAME_RULE + "."
        )
        if error is not None or not self._is_valid_request(fields, origin):
            return self._authorize(fields, origin, error=error)  # the form again, or why the request is refused
        code = secrets.token_urlsafe(32)
        grant = Grant(
            user_id=user_id,
            client_id=fields["client_id"],
            redirect_uri=fields["redirect_uri"],
            code_challenge=fields["code_challenge"],
            expires_at=self.clock() + CODE_TTL_SECONDS,
        )
        with self._lock:
            self._codes[code] = grant
        return _to_app(fields, {"code": code}, status=HTTPStatus.SEE_OTHER)

    def _is_valid_request(self, params: dict[str, str], origin: str) -> bool:
        try:
            return self._check_request(params, origin) is None
        except BadAuthorizeRequest:
            return False

    def _check_request(self, params: dict[str, str], origin: str) -> tuple[str, str] | None:
        """Raises BadAuthorizeRequest when the answer cannot go back to the app; else what to tell it, if wrong."""
        if params.get("client_id") != CLIENT_ID:
            raise BadAuthorizeRequest(
                f"Unknown client_id {params.get('client_id', '')!r}: the local app is {CLIENT_ID}."
            )
        if not _is_callback(params.get("redirect_uri", ""), origin):
            raise BadAuthorizeRequest(
                f"redirect_uri must be this server's {CALLBACK_PATH} ({origin}{CALLBACK_PATH}), "
                f"not {params.get('redirect_uri', '')!r}."
            )
        if params.get("response_type") != "code":
            return "unsupported_response_type", "response_type must be code"
        if params.get("code_challenge_method") != "S256" or not PKCE_CHALLENGE.fullmatch(
            params.get("code_challenge", "")
        ):
            return "invalid_request", "PKCE is required: code_challenge (S256) and code_challenge_method=S256"
        scopes = set(params.get("scope", "").split())
        if not scopes or not scopes <= SCOPES:
            return "invalid_scope", f"scope must be some of {' '.join(sorted(SCOPES))}"
        return None

    # ------------------------------------------------------------ the token endpoint

    def _token(self, body: bytes, content_type: str) -> Reply:
        try:
            if content_type.partition(";")[0].strip().lower() != "application/x-www-form-urlencoded":
                raise OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded")
            fields = _form(body)
            if fields.get("client_id") != CLIENT_ID:
                raise OAuthError("invalid_client", f"Unknown client_id: the local app is {CLIENT_ID}")
            grant_type = fields.get("grant_type")
            if grant_type == "authorization_code":
                tokens = self._redeem_code(fields)
            elif grant_type == "refresh_token":
                tokens = self._refresh(fields)
            else:
                raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
        except OAuthError as refused:
            return _json(HTTPStatus.BAD_REQUEST, {"error": refused.error, "error_description": str(refused)})
        return _json(HTTPStatus.OK, tokens)

    def _redeem_code(self, fields: dict[str, str]) -> dict[str, Any]:
        code, verifier = fields.get("code", ""), fields.get("code_verifier", "")
        if not code or not verifier or not fields.get("redirect_uri"):
            raise OAuthError("invalid_request", "code, redirect_uri and code_verifier are required")
        with self._lock:
            grant = self._codes.pop(code, None)  # used once, whatever the outcome
        if grant is None:
            raise OAuthError("invalid_grant", "The code is unknown or was already used")
        if grant.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "The code has expired: sign in again")
        if grant.client_id != fields["client_id"] or grant.redirect_uri != fields["redirect_uri"]:
            raise OAuthError("invalid_grant", "The code was issued for another client or redirect_uri")
        if not PKCE_VERIFIER.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), grant.code_challenge):
            raise OAuthError("invalid_grant", "The code_verifier does not match the code_challenge")
        refresh_token = secrets.token_urlsafe(48)
        with self._lock:
            self._refresh_tokens[refresh_token] = Grant(
                grant.user_id, grant.client_id, grant.redirect_uri, "", self.clock() + REFRESH_TTL_SECONDS
            )
        return {**self._tokens(grant.user_id), "refresh_token": refresh_token}

    def _refresh(self, fields: dict[str, str]) -> dict[str, Any]:
        refresh_token = fields.get("refresh_token", "")
        if not refresh_token:
            raise OAuthError("invalid_request", "refresh_token is required")
        with self._lock:
            grant = self._refresh_tokens.get(refresh_token)
        if grant is None or grant.expires_at <= self.clock() or grant.client_id != fields["client_id"]:
            raise OAuthError("invalid_grant", "The refresh token is unknown or has expired: sign in again")
        # As Cognito: new access and ID tokens, no new refresh token (the one held stays valid).
        return self._tokens(grant.user_id)

    def _tokens(self, user_id: str) -> dict[str, Any]:
        now = int(self.clock())
        id_token = self.authority.sign(
            {
                "sub": user_id,
                "iss": self.authority.issuer,
                "aud": self.authority.client_id,
                "token_use": "id",
                "cognito:username": user_id,
                "iat": now,
                "auth_time": now,
                "exp": now + DEFAULT_TTL_SECONDS,
            }
        )
        return {
            "access_token": self.authority.issue(user_id, expires_in=DEFAULT_TTL_SECONDS),
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": DEFAULT_TTL_SECONDS,
        }


def _query(query: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}


def _is_callback(uri: str, origin: str) -> bool:
    """Only this server's own /app/callback, on the host the browser used (127.0.0.1 or localhost)."""
    parts = urlsplit(uri)
    return (
        f"{parts.scheme}://{parts.netloc}" == origin
        and parts.path == CALLBACK_PATH
        and not parts.query
        and not parts.fragment
    )


def _to_app(params: dict[str, str], answer: dict[str, str], status: int = HTTPStatus.FOUND) -> Reply:
    if params.get("state"):
        answer = {**answer, "state": params["state"]}
    location = f"{params['redirect_uri']}?{urlencode(answer)}"
    return Reply(status, {**SECURITY_HEADERS, "location": location, "cache-control": "no-store"})


def _json(status: int, payload: dict[str, Any]) -> Reply:
    # RFC 6749 section 5.1: token answers are never cached.
    headers = {"content-type": "application/json", "cache-control": "no-store", "pragma": "no-cache"}
    return Reply(status, headers, json.dumps(payload).encode())


def _page(status: int, html: str) -> Reply:
    headers = {**SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", "cache-control": "no-store"}
    return Reply(status, headers, html.encode())


def _document(title: str, main: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        # The app's icon: without one, the browser asks for /favicon.ico, which no route serves.
        '<link rel="icon" type="image/svg+xml" href="/app/favicon.svg">\n'
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}">\n</head>\n'
        f"<body>\n<main>\n{main}\n</main>\n</body>\n</html>\n"
    )


def _error_page(message: str) -> str:
    return _document(
        "Sign-in error · Goalpost (local)",
        f'<h1>This sign-in request is not valid</h1>\n<p class="error">{escape(message)}</p>\n'
        '<p><a href="/app/">Back to Goalpost</a></p>',
    )


def _sign_in_page(params: dict[str, str], error: str | None) -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{escape(params.get(name, ""))}">' for name in REQUEST_FIELDS
    )
    described = "username-hint username-error" if error else "username-hint"
    invalid = ' aria-invalid="true"' if error else ""
    typed = escape(params.get("username", ""))
    error_text = f'<p id="username-error" class="error" role="alert">{escape(error)}</p>\n' if error else ""
    return _document(
        "Sign in · Goalpost (local)",
        "<h1>Sign in to Goalpost</h1>\n"
        '<p class="hint">Local sign-in: any user name signs in as that user; <strong>demo</strong> has the demo '
        "data when the server runs with --demo. No password: this page is never deployed.</p>\n"
        f'<form method="post" action="{AUTHORIZE_PATH}">\n{hidden}\n'
        '<label for="username">User name</label>\n'
        f'<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" '
        f'spellcheck="false" required maxlength="128" value="{typed}" aria-describedby="{described}"{invalid}>\n'
        f'<p id="username-hint" class="hint">{USER_NAME_RULE}.</p>\n{error_text}'
        '<button type="submit">Sign in</button>\n</form>',
    )
