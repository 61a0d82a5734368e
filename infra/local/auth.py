"""JWTs for the local server: Cognito-style access tokens, verified the way API Gateway's JWT authorizer verifies
Cognito's on a route that requires the API scope (every private route, ``declaration.API_SCOPE``).

A fresh RSA key signs the tokens of each run (``POST /_local/token``), unless a key file is given
(``GOALPOST_LOCAL_KEY_FILE``): then the key in it, made on the first start, so tokens outlive a restart.
Verification checks, in API Gateway's order, the RS256 signature, issuer, expiry and ``sub``, then the audience
(``aud`` when present, as in an ID token, else the access token's ``client_id``), all a ``401``; then the route's
scope in the token's ``scope``, a ``403`` (a valid token that is not allowed), which is what refuses ID tokens.
The claims are handed on shaped as API Gateway shapes them (every value a string; arrays as ``"[a b]"``). Local
only: deployed, Cognito signs and API Gateway verifies."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from http import HTTPStatus
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from goalpost import declaration

ISSUER = "https://cognito-idp.local/goalpost-local"
# The local app client: what the authorizer's audience names deployed (the user pool client's id).
CLIENT_ID = "goalpost-local-client"
ALGORITHM = "RS256"
DEFAULT_TTL_SECONDS = 3600
MAX_TTL_SECONDS = 7 * 24 * 3600


class InvalidToken(Exception):
    """Why a token was refused, in words fit for the 401's ``detail``: what went wrong and what to do."""

    status = HTTPStatus.UNAUTHORIZED
    challenge = "Bearer"  # the WWW-Authenticate header


class MissingScope(InvalidToken):
    """A valid token without the route's scope: API Gateway answers 403 Forbidden, not 401."""

    status = HTTPStatus.FORBIDDEN
    challenge = f'Bearer scope="{declaration.API_SCOPE}" error="insufficient_scope"'


HOW_TO_RENEW = "get a new one from POST /_local/token"
ACCESS_TOKENS_ONLY = (
    f"the API takes access tokens, which carry the {declaration.API_SCOPE} scope (deployed: from the user pool's "
    f"managed login; locally: {HOW_TO_RENEW})"
)
EARLIER_RUN = (
    "The token was signed by an earlier run of the local server (each start signs with a new key, and a restart "
    f"loses every token): {HOW_TO_RENEW}, or start with GOALPOST_LOCAL_KEY_FILE=<path> to keep tokens across restarts"
)


def _reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.ExpiredSignatureError):
        return f"The token has expired: {HOW_TO_RENEW}"
    if isinstance(error, jwt.InvalidSignatureError):
        return f"The token's signature does not verify with this server's key: {HOW_TO_RENEW}"
    if isinstance(error, jwt.InvalidIssuerError):
        return f"The token was not issued for this API ({error}): {HOW_TO_RENEW}"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"The token lacks a required claim ({error}): {HOW_TO_RENEW}"
    if isinstance(error, jwt.DecodeError):
        return f"The bearer token is not a well-formed signed JWT: {HOW_TO_RENEW}"
    return f"The token is not valid ({error}): {HOW_TO_RENEW}"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _read_key(path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):  # not PEM, or a key with a password
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} holds no unencrypted RSA private key in PEM")
    return key


def signing_key(path: Path) -> rsa.RSAPrivateKey:
    """The RSA key in ``path`` (PEM); made and written there, readable by its owner only, when there is none.
    A file that holds something else is an error (ValueError), never replaced."""
    if path.exists():
        return _read_key(path)
    key = _new_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    written = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with os.fdopen(os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(pem)
    try:
        os.link(written, path)  # whole or not at all, and never over a key another server wrote meanwhile
    except FileExistsError:
        return _read_key(path)
    finally:
        written.unlink()
    return key


def _check_audience(claims: dict[str, Any], client_id: str) -> None:
    """API Gateway's audience rule: ``aud`` when the token has one (an ID token), else ``client_id``."""
    if "aud" in claims:
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if client_id not in audiences:
            raise InvalidToken(f"The token was issued for another client (aud {claims['aud']!r}): {HOW_TO_RENEW}")
    elif claims.get("client_id") != client_id:
        raise InvalidToken(
            f"The token was issued for another client (client_id {claims.get('client_id')!r}): {HOW_TO_RENEW}"
        )


def _check_scope(claims: dict[str, Any], required: str) -> None:
    scopes = str(claims.get("scope") or "").split()
    if required in scopes:
        return
    if claims.get("token_use") == "id":
        raise MissingScope(f'This is an ID token (token_use "id", no scope): {ACCESS_TOKENS_ONLY}')
    raise MissingScope(f"The token lacks the {required} scope (it has {scopes or 'none'}): {ACCESS_TOKENS_ONLY}")


class TokenAuthority:
    def __init__(self, issuer: str = ISSUER, client_id: str = CLIENT_ID, *, key_file: Path | None = None) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._private_key = signing_key(key_file) if key_file is not None else _new_key()
        self._public_key = self._private_key.public_key()
        # Named by the key itself (a hash of the public key), so one key keeps one ``kid`` across restarts.
        der = self._public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.key_id = hashlib.sha256(der).hexdigest()[:32]

    def issue(self, user_id: str, groups: list[str] | None = None, expires_in: int = DEFAULT_TTL_SECONDS) -> str:
        """An access token as Cognito issues one to the app client after managed login: ``client_id``, no
        ``aud``, the API scope in a space-separated ``scope``; ``sub`` and ``cognito:groups`` for the handlers."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": user_id,
            "iss": self.issuer,
            "client_id": self.client_id,
            "token_use": "access",
            "scope": declaration.API_SCOPE,
            "username": user_id,
            "iat": now,
            "auth_time": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
        }
        if groups:
            claims["cognito:groups"] = list(groups)
        return self.sign(claims)

    def sign(self, claims: dict[str, Any]) -> str:
        """Any claims signed with this authority's key (tests make ID tokens and other clients' tokens with it)."""
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token that API Gateway would let through to a private route; else InvalidToken (401)
        or, for a valid token without the API scope, MissingScope (403)."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise InvalidToken(f"The token is not signed with {ALGORITHM}: {HOW_TO_RENEW}")
            if header.get("kid") != self.key_id:
                raise InvalidToken(EARLIER_RUN)
            claims: dict[str, Any] = jwt.decode(
                token,
                self._public_key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                # The audience is checked below, API Gateway's way: access tokens carry client_id, not aud.
                options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": False},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from error
        _check_audience(claims, self.client_id)
        _check_scope(claims, declaration.API_SCOPE)
        return claims

    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._public_key, as_dict=True)
        return {"keys": [{**public, "kid": self.key_id, "alg": ALGORITHM, "use": "sig"}]}


def api_gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as an HTTP API JWT authorizer passes them: strings, arrays rendered as ``[a b]``."""
    shaped = {}
    for name, value in claims.items():
        if isinstance(value, list | tuple):
            shaped[name] = "[" + " ".join(str(v) for v in value) + "]"
        else:
            shaped[name] = str(value)
    return shaped


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise InvalidToken("No Authorization header: send 'Authorization: Bearer <token>' (POST /_local/token)")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("The Authorization header must be 'Bearer <token>', the word Bearer, a space, the token")
    return token.strip()
