"""Secrets: argon2 password hashes, random tokens and their keyed digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["API_TOKEN_PREFIX", "dummy_hash", "hash_password", "new_token", "token_digest", "verify_password"]

API_TOKEN_PREFIX = "gm_"


def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


#: a valid hash of a random password, checked when the user does not exist so that a login for an
#: unknown name takes as long as one with a wrong password
def dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(secret_key: str, token: str) -> str:
    """HMAC-SHA256 of a high-entropy token, keyed with the deployment's secret."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
