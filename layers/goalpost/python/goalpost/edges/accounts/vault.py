"""A connected account's API key and secret, encrypted with KMS directly (``kms:Encrypt`` / ``kms:Decrypt``).

Why direct and not envelope encryption: KMS encrypts up to 4,096 bytes of plaintext in one call, and the
credentials are far below that (a Binance key and secret are 64 characters each, Alpaca's 20 and 40; the JSON
that holds both is under 200 bytes, and the accounts' routes refuse oversized fields). Envelope encryption
would add a data key, a local cipher and a crypto library the Lambda runtime does not ship, for no gain: the
request count is the same (one Encrypt on connect, one Decrypt per sync), and the key never leaves KMS.

The encryption context ``{"user_id", "account_id"}`` binds a ciphertext to its account: KMS refuses to decrypt
it under any other (a ciphertext copied onto another account's item opens nothing), and CloudTrail logs the
context with every Decrypt. The plaintext is never put in a log, a repr or an error: a KMS fault becomes
``VaultUnavailable`` naming only the operation and the KMS error code.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from goalpost import aws
from goalpost.domain.accounts import ApiCredentials
from goalpost.domain.errors import DomainError
from goalpost.settings import get_settings

KMS_PLAINTEXT_LIMIT = 4096  # bytes: what kms:Encrypt accepts in one call


class VaultUnavailable(DomainError):
    """KMS could not encrypt or decrypt (no key configured, access denied, a ciphertext under another
    context, KMS unreachable). An internal fault, not the provider's nor the user's (503: nothing was stored,
    try again): the message names the operation and KMS's error code only, never a key, a secret or a
    ciphertext."""

    status_code = 503


def _client() -> Any:
    return aws.client("kms")


def _context(user_id: str, account_id: str) -> dict[str, str]:
    return {"user_id": user_id, "account_id": account_id}


def _code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__


def seal(credentials: ApiCredentials, *, user_id: str, account_id: str) -> bytes:
    """The API key and secret as one KMS ciphertext bound to the account."""
    key_id = get_settings().accounts_key_id
    if not key_id:
        raise VaultUnavailable("no KMS key is configured for connected accounts (ACCOUNTS_KEY_ID)")
    plaintext = json.dumps({"key": credentials.key, "secret": credentials.secret}).encode()
    if len(plaintext) > KMS_PLAINTEXT_LIMIT:
        raise VaultUnavailable(f"credentials over the {KMS_PLAINTEXT_LIMIT}-byte KMS limit")
    try:
        response = _client().encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionContext=_context(user_id, account_id))
    except (ClientError, BotoCoreError) as error:
        raise VaultUnavailable(f"KMS refused to encrypt account credentials ({_code(error)})") from None
    return bytes(response["CiphertextBlob"])


def unseal(ciphertext: bytes, *, user_id: str, account_id: str) -> ApiCredentials:
    """The API key and secret sealed for this account; ``VaultUnavailable`` when KMS refuses (a ciphertext of
    another account among the reasons)."""
    try:
        response = _client().decrypt(CiphertextBlob=ciphertext, EncryptionContext=_context(user_id, account_id))
    except (ClientError, BotoCoreError) as error:
        raise VaultUnavailable(f"KMS refused to decrypt account credentials ({_code(error)})") from None
    opened = json.loads(response["Plaintext"])
    return ApiCredentials(key=opened["key"], secret=opened["secret"])


# Opened credentials kept in memory for a while, by account and ciphertext, so that a warm worker syncing the
# same account again within minutes does not pay a KMS Decrypt each minute (docs/cost.md). Only in this
# process's memory: never written, logged or returned. A changed ciphertext (keys replaced) misses the cache.
CACHE_SECONDS = 15 * 60
_opened: dict[tuple[str, str, bytes], tuple[float, ApiCredentials]] = {}
_opened_lock = threading.Lock()


def unseal_cached(ciphertext: bytes, *, user_id: str, account_id: str, now: float | None = None) -> ApiCredentials:
    """``unseal``, remembered for ``CACHE_SECONDS``."""
    moment = time.monotonic() if now is None else now
    cache_key = (user_id, account_id, hashlib.sha256(ciphertext).digest())
    with _opened_lock:
        cached = _opened.get(cache_key)
        if cached is not None and cached[0] > moment:
            return cached[1]
    credentials = unseal(ciphertext, user_id=user_id, account_id=account_id)
    with _opened_lock:
        for stale in [k for k, (until, _) in _opened.items() if until <= moment]:
            del _opened[stale]
        _opened[cache_key] = (moment + CACHE_SECONDS, credentials)
    return credentials


def forget_opened() -> None:
    """Empties the cache (tests; an account whose keys were destroyed)."""
    with _opened_lock:
        _opened.clear()
