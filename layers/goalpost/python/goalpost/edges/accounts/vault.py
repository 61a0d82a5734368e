"""A connected account's API key and secret, sealed by envelope encryption under the accounts' KMS key.

A ciphertext (``ENVELOPE`` format) is ``ENVELOPE | len | wrapped data key | nonce | AES-256-GCM ciphertext``:
the data key is KMS's (``GenerateDataKey`` under ``DATA_KEY_CONTEXT``), stored wrapped beside the cipher text
it opens, and the account binding ``{"user_id", "account_id"}`` is the cipher's associated data, so a
ciphertext copied onto another account's item opens nothing (the tag does not verify).

Why envelope and not KMS directly: the sync job opens every connected account's keys every minute. With one
Decrypt per account (even cached 15 minutes in a worker) KMS was half the sync's cost (docs/performance.md,
"Account sync cost"). Data keys are shared: a connecting process seals with one data key for a few minutes
(``SEAL_KEY_SECONDS``), and the sync worker re-seals each account of a registry shard under the shard's most
used data key (``shard_data_key``, ``reseal``) the first time it writes the account, so a shard's accounts share
one data key. An opened data key is kept in the process's memory (``DATA_KEY_CACHE_SECONDS``): a worker pays
one KMS Decrypt per shard's data key per container, not one per account. What that gives up: CloudTrail logs a
Decrypt per data key, no longer one per account with its context; and a process that has opened a shard's data
key can open every account of that shard without asking KMS again. Only the two functions that call the
providers may open data keys at all (``kms:Decrypt`` under ``DATA_KEY_CONTEXT``), and both could already
decrypt any account's keys.

Ciphertexts sealed before (KMS directly, the encryption context ``{"user_id", "account_id"}``, no marker) still
open, one Decrypt each as before, and the sync re-seals them in the new format when it next writes the account.
The plaintext is never put in a log, a repr or an error: a fault becomes ``VaultUnavailable`` naming only the
operation and the KMS error code.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from goalpost import aws
from goalpost.domain.accounts import ApiCredentials
from goalpost.domain.errors import DomainError
from goalpost.settings import get_settings

K = TypeVar("K")
V = TypeVar("V")

# The first bytes of an envelope ciphertext. A KMS ciphertext blob starts with its version byte (1), never 0.
ENVELOPE = b"\x00GE1"
# The KMS encryption context of every data key (the IAM grants allow data keys only under it: infra's
# account_keys). The account is bound by the associated data, not here: a data key serves many accounts.
DATA_KEY_CONTEXT = {"purpose": "goalpost-connected-accounts"}
NONCE_BYTES = 12  # AES-GCM's 96-bit nonce, random per ciphertext
# A connecting process seals with one data key this long: a few GenerateDataKey calls a day, and few data keys
# for the sync worker to converge. Random nonces stay far below AES-GCM's 2**32 messages per key.
SEAL_KEY_SECONDS = 5 * 60
# An opened data key is kept this long in a process's memory (a Lambda environment lives a few hours at most).
DATA_KEY_CACHE_SECONDS = 6 * 60 * 60
_LENGTH = struct.Struct(">H")
PLAINTEXT_LIMIT = 4096  # bytes of credentials JSON: far above any provider's key and secret (under 200)


class VaultUnavailable(DomainError):
    """KMS could not make or open a key (no key configured, access denied, KMS unreachable), or a ciphertext
    does not open for this account. An internal fault, not the provider's nor the user's (503: nothing was
    stored, try again): the message names the operation and KMS's error code only, never a key, a secret or a
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


def _key_id() -> str:
    key_id = get_settings().accounts_key_id
    if not key_id:
        raise VaultUnavailable("no KMS key is configured for connected accounts (ACCOUNTS_KEY_ID)")
    return key_id


# ---------------------------------------------------------------- data keys


class _Expiring(Generic[K, V]):
    """Values kept until a moment, in this process's memory only (never written, logged or returned); the
    expired ones are dropped as new ones come."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[K, tuple[float, V]] = {}

    def get(self, key: K, now: float) -> V | None:
        with self._lock:
            found = self._items.get(key)
        return found[1] if found is not None and found[0] > now else None

    def put(self, key: K, value: V, until: float, now: float) -> None:
        with self._lock:
            for stale in [k for k, (kept_until, _) in self._items.items() if kept_until <= now]:
                del self._items[stale]
            self._items[key] = (until, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _DataKeys:
    """Opened data keys by their wrapped form, and the one this process seals with; in memory only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.opened: _Expiring[bytes, bytes] = _Expiring()
        self.sealing: tuple[float, bytes] | None = None  # (until, wrapped)

    def open(self, wrapped: bytes, now: float) -> bytes:
        cached = self.opened.get(wrapped, now)
        if cached is not None:
            return cached
        try:
            response = _client().decrypt(CiphertextBlob=wrapped, EncryptionContext=DATA_KEY_CONTEXT)
        except (ClientError, BotoCoreError) as error:
            raise VaultUnavailable(f"KMS refused to open a data key ({_code(error)})") from None
        plaintext = bytes(response["Plaintext"])
        self.opened.put(wrapped, plaintext, now + DATA_KEY_CACHE_SECONDS, now)
        return plaintext

    def sealing_key(self, now: float) -> tuple[bytes, bytes]:
        """(wrapped, plaintext) of the data key this process seals with now: a new one every
        ``SEAL_KEY_SECONDS``."""
        with self.lock:
            sealing = self.sealing
        if sealing is not None and sealing[0] > now:
            cached = self.opened.get(sealing[1], now)
            if cached is not None:
                return sealing[1], cached
        try:
            response = _client().generate_data_key(
                KeyId=_key_id(), KeySpec="AES_256", EncryptionContext=DATA_KEY_CONTEXT
            )
        except (ClientError, BotoCoreError) as error:
            raise VaultUnavailable(f"KMS refused to make a data key ({_code(error)})") from None
        wrapped, plaintext = bytes(response["CiphertextBlob"]), bytes(response["Plaintext"])
        self.opened.put(wrapped, plaintext, now + DATA_KEY_CACHE_SECONDS, now)
        with self.lock:
            self.sealing = (now + SEAL_KEY_SECONDS, wrapped)
        return wrapped, plaintext

    def clear(self) -> None:
        self.opened.clear()
        with self.lock:
            self.sealing = None


_data_keys = _DataKeys()


def _associated_data(header: bytes, user_id: str, account_id: str) -> bytes:
    binding = json.dumps(_context(user_id, account_id), sort_keys=True, separators=(",", ":")).encode()
    return header + binding


def _header(wrapped: bytes) -> bytes:
    return ENVELOPE + _LENGTH.pack(len(wrapped)) + wrapped


def _split(ciphertext: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """(header, wrapped data key, nonce, cipher text and tag) of an envelope ciphertext."""
    start = len(ENVELOPE) + _LENGTH.size
    if len(ciphertext) < start:
        raise VaultUnavailable("the sealed credentials are malformed")
    (length,) = _LENGTH.unpack_from(ciphertext, len(ENVELOPE))
    end = start + length
    if length == 0 or len(ciphertext) < end + NONCE_BYTES + 16:
        raise VaultUnavailable("the sealed credentials are malformed")
    return ciphertext[:end], ciphertext[start:end], ciphertext[end : end + NONCE_BYTES], ciphertext[end + NONCE_BYTES :]


def _encrypt(credentials: ApiCredentials, wrapped: bytes, data_key: bytes, user_id: str, account_id: str) -> bytes:
    # Imported on use: the library's import is ~35 ms that a cold start of a function that never opens keys skips.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    plaintext = json.dumps({"key": credentials.key, "secret": credentials.secret}).encode()
    if len(plaintext) > PLAINTEXT_LIMIT:
        raise VaultUnavailable(f"credentials over the {PLAINTEXT_LIMIT}-byte limit")
    header = _header(wrapped)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, plaintext, _associated_data(header, user_id, account_id))
    return header + nonce + sealed


def data_key_of(ciphertext: bytes) -> bytes | None:
    """The wrapped data key an envelope ciphertext was sealed under (None for a direct KMS ciphertext)."""
    if not ciphertext.startswith(ENVELOPE):
        return None
    return _split(ciphertext)[1]


def shard_data_key(ciphertexts: Iterable[bytes]) -> bytes | None:
    """The data key a registry shard's accounts converge on: the one most of ``ciphertexts`` were sealed under
    (ties: the least wrapped bytes), so that every worker reading the same shard chooses the same."""
    counts = Counter(wrapped for wrapped in map(_wrapped_or_none, ciphertexts) if wrapped is not None)
    if not counts:
        return None
    return min(counts, key=lambda wrapped: (-counts[wrapped], wrapped))


def _wrapped_or_none(ciphertext: bytes) -> bytes | None:
    try:
        return data_key_of(ciphertext)
    except VaultUnavailable:
        return None


# ---------------------------------------------------------------- sealing and opening


def seal(credentials: ApiCredentials, *, user_id: str, account_id: str, now: float | None = None) -> bytes:
    """The API key and secret sealed for this account, under this process's current data key."""
    _key_id()  # refused clearly without a key, even while a data key is cached
    wrapped, data_key = _data_keys.sealing_key(time.monotonic() if now is None else now)
    return _encrypt(credentials, wrapped, data_key, user_id, account_id)


def reseal(
    credentials: ApiCredentials, *, user_id: str, account_id: str, data_key: bytes, now: float | None = None
) -> bytes:
    """The credentials sealed again under ``data_key`` (a wrapped data key, e.g. ``shard_data_key``'s)."""
    opened = _data_keys.open(data_key, time.monotonic() if now is None else now)
    return _encrypt(credentials, data_key, opened, user_id, account_id)


def unseal(ciphertext: bytes, *, user_id: str, account_id: str, now: float | None = None) -> ApiCredentials:
    """The API key and secret sealed for this account; ``VaultUnavailable`` when KMS refuses or the ciphertext
    does not open for this account (one of another account among the reasons)."""
    if not ciphertext.startswith(ENVELOPE):
        return _unseal_direct(ciphertext, user_id=user_id, account_id=account_id)
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header, wrapped, nonce, sealed = _split(ciphertext)
    data_key = _data_keys.open(wrapped, time.monotonic() if now is None else now)
    try:
        plaintext = AESGCM(data_key).decrypt(nonce, sealed, _associated_data(header, user_id, account_id))
    except InvalidTag:
        raise VaultUnavailable("the sealed credentials do not open for this account") from None
    opened = json.loads(plaintext)
    return ApiCredentials(key=opened["key"], secret=opened["secret"])


def _unseal_direct(ciphertext: bytes, *, user_id: str, account_id: str) -> ApiCredentials:
    """A ciphertext sealed by KMS directly (before envelope encryption), under the account's context."""
    try:
        response = _client().decrypt(CiphertextBlob=ciphertext, EncryptionContext=_context(user_id, account_id))
    except (ClientError, BotoCoreError) as error:
        raise VaultUnavailable(f"KMS refused to decrypt account credentials ({_code(error)})") from None
    opened = json.loads(response["Plaintext"])
    return ApiCredentials(key=opened["key"], secret=opened["secret"])


# Direct KMS ciphertexts' opened credentials kept in memory for a while, by account and ciphertext, so that a warm
# worker syncing the same account again within minutes does not pay a KMS Decrypt each minute until the sync
# re-seals it. Envelope ciphertexts need no such cache: their data key is cached. Only in this process's memory:
# never written, logged or returned. A changed ciphertext (keys replaced) misses the cache.
CACHE_SECONDS = 15 * 60
_opened: _Expiring[tuple[str, str, bytes], ApiCredentials] = _Expiring()


def unseal_cached(ciphertext: bytes, *, user_id: str, account_id: str, now: float | None = None) -> ApiCredentials:
    """``unseal``: an envelope ciphertext with its data key cached, a direct one remembered for
    ``CACHE_SECONDS``."""
    moment = time.monotonic() if now is None else now
    if ciphertext.startswith(ENVELOPE):
        return unseal(ciphertext, user_id=user_id, account_id=account_id, now=moment)
    cache_key = (user_id, account_id, hashlib.sha256(ciphertext).digest())
    cached = _opened.get(cache_key, moment)
    if cached is not None:
        return cached
    credentials = _unseal_direct(ciphertext, user_id=user_id, account_id=account_id)
    _opened.put(cache_key, credentials, moment + CACHE_SECONDS, moment)
    return credentials


def forget_opened() -> None:
    """Empties the caches, opened credentials and data keys (tests; an account whose keys were destroyed)."""
    _opened.clear()
    _data_keys.clear()
