"""JWTs for the local server, verified the way API Gateway's JWT authorizer verifies Cognito's.

A fresh RSA key signs the tokens of each run (``POST /_local/token``); verification checks the RS256
signature, issuer, audience, expiry and ``sub`` before any handler runs, and hands the claims on shaped as
API Gateway shapes them (every value a string; arrays as ``"[a b]"``)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://cognito-idp.local/goalpost-local"
AUDIENCE = "goalpost-local-client"
ALGORITHM = "RS256"
DEFAULT_TTL_SECONDS = 3600
MAX_TTL_SECONDS = 7 * 24 * 3600


class InvalidToken(Exception):
    pass


class TokenAuthority:
    def __init__(self, issuer: str = ISSUER, audience: str = AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self.key_id = uuid.uuid4().hex
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public_key = self._private_key.public_key()

    def issue(self, user_id: str, groups: list[str] | None = None, expires_in: int = DEFAULT_TTL_SECONDS) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": user_id,
            "iss": self.issuer,
            "aud": self.audience,
            "token_use": "id",
            "cognito:username": user_id,
            "iat": now,
            "auth_time": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
        }
        if groups:
            claims["cognito:groups"] = list(groups)
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != self.key_id:
                raise InvalidToken("unknown signing key")
            claims: dict[str, Any] = jwt.decode(
                token,
                self._public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
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
        raise InvalidToken("missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization must be 'Bearer <token>'")
    return token.strip()
