# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Who is calling (API token or global key) and how much of their quota is left.

Authentication, as Cloudflare answers it:

* ``Authorization`` present wins over ``X-Auth-*``. Anything but ``Bearer <token>`` with a
  token made of token characters -> 400, 6003 with ``error_chain`` 6111. A well-formed
  token that is not configured -> 403, 9109 "Invalid access token".
* ``X-Auth-Key`` that is not 37 hex characters (an API token sent as a global key) -> 400,
  6003 with ``error_chain`` 6103; a missing or malformed ``X-Auth-Email`` -> 400, 6003 with
  6102. A well-formed pair that is not configured -> 403, 9103.
* No credentials at all -> 401, 10000 "Authentication error".
* A read-only token on POST/PUT/PATCH/DELETE -> 403, 10000.

Rate limiting counts requests per credential (per client address for requests without a
usable credential) in a fixed window of ``rate_limit.window`` seconds on the server clock.
The request that goes over ``rate_limit.quota`` gets 429 (971) with ``Retry-After``, and
the credential stays blocked for a whole window from then, like Cloudflare's five-minute
block. Identities are kept as hashes, never as the token or key itself.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass

from . import errors
from .config import GLOBAL_KEY_PATTERN, TOKEN_PATTERN
from .errors import ApiError, error_item

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BEARER_PATTERN = re.compile(r"^Bearer +(\S+)\s*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class Credential:
    scheme: str  # "token" or "global_key", as the journal records it
    identity: str  # a hash: enough to count requests, useless as a credential
    can_write: bool


def _identity(kind: str, secret: str) -> str:
    return kind + ":" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def _header_error(chain_code: int, chain_message: str) -> ApiError:
    return ApiError(400, errors.INVALID_HEADERS, "Invalid request headers", chain=[error_item(chain_code, chain_message)])


def _match_token(token: str, tokens: dict) -> str | None:
    permission = None
    for known, known_permission in tokens.items():
        if hmac.compare_digest(known.encode("utf-8"), token.encode("utf-8")):
            permission = known_permission
    return permission


def authenticate(headers, config: dict) -> Credential:
    """The credential of a request, or the ApiError Cloudflare would answer with."""
    authorization = headers.get("Authorization")
    email = headers.get("X-Auth-Email")
    key = headers.get("X-Auth-Key")
    if authorization is not None:
        match = BEARER_PATTERN.match(authorization)
        if not match or not TOKEN_PATTERN.match(match.group(1)):
            raise _header_error(errors.INVALID_AUTHORIZATION_HEADER, "Invalid format for Authorization header")
        token = match.group(1)
        permission = _match_token(token, config["tokens"])
        if permission is None:
            raise ApiError(403, errors.INVALID_ACCESS_TOKEN, "Invalid access token")
        return Credential("token", _identity("token", token), permission == "write")
    if email is not None or key is not None:
        if key is None or not GLOBAL_KEY_PATTERN.match(key.strip()):
            raise _header_error(errors.INVALID_KEY_HEADER, "Invalid format for X-Auth-Key header")
        if email is None or not EMAIL_PATTERN.match(email.strip()):
            raise _header_error(errors.INVALID_EMAIL_HEADER, "Invalid format for X-Auth-Email header")
        email, key = email.strip(), key.strip()
        found = False
        for entry in config["global_keys"]:
            same_key = hmac.compare_digest(entry["key"].encode("ascii"), key.encode("ascii"))
            found = found or (same_key and entry["email"].lower() == email.lower())
        if not found:
            raise ApiError(403, errors.UNKNOWN_GLOBAL_KEY, "Unknown X-Auth-Key or X-Auth-Email")
        return Credential("global_key", _identity("global_key", email.lower() + ":" + key), True)
    raise ApiError(401, errors.AUTHENTICATION_ERROR, "Authentication error")


def require_write(credential: Credential, method: str) -> None:
    if method in WRITE_METHODS and not credential.can_write:
        raise ApiError(403, errors.AUTHENTICATION_ERROR, "Authentication error")


@dataclass
class _Bucket:
    window_start: float
    count: int = 0
    blocked_until: float = 0.0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: int
    reset_seconds: int
    retry_after: int

    def headers(self, quota: int, window: float) -> dict:
        return {
            "Ratelimit": '"default";r=%d;t=%d' % (self.remaining, self.reset_seconds),
            "Ratelimit-Policy": '"default";q=%d;w=%d' % (quota, math.ceil(window)),
        }


class RateLimiter:
    """Fixed windows per identity; callers hold the application lock."""

    def __init__(self):
        self._buckets: dict[str, _Bucket] = {}

    def clear(self) -> None:
        self._buckets.clear()

    def hit(self, identity: str, now: float, quota: int, window: float) -> RateDecision:
        bucket = self._buckets.get(identity)
        if bucket is not None and bucket.blocked_until > now:
            wait = max(1, math.ceil(bucket.blocked_until - now))
            return RateDecision(False, 0, wait, wait)
        if bucket is None or now >= bucket.window_start + window:
            bucket = self._buckets[identity] = _Bucket(window_start=now)
        bucket.count += 1
        if bucket.count > quota:
            bucket.blocked_until = now + window
            wait = max(1, math.ceil(window))
            return RateDecision(False, 0, wait, wait)
        reset = max(1, math.ceil(bucket.window_start + window - now))
        return RateDecision(True, quota - bucket.count, reset, 0)
