"""Password rules: a minimum length, not a common or breached password, not the username.

The common-password list ships as data (``auth/data/common-passwords.txt``, source and licence in
its header) and is read once, on first use.
"""

from __future__ import annotations

import functools
from importlib import resources

from greenmfg.errors import GreenmfgError

__all__ = ["WeakPassword", "check_password", "common_passwords"]


class WeakPassword(GreenmfgError):
    """A new password breaks a rule; ``message`` and ``message_zh`` say which and how to fix it, ``code``
    names the rule (``password.too_short`` …)."""

    code = "password.weak"
    message = "the new password breaks a password rule"
    message_zh = "新密码不符合密码规则"
    field = "new_password"

    def __init__(self, message: str, message_zh: str, code: str) -> None:
        super().__init__(message, message_zh, code=code)


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("greenmfg.auth").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password(password: str, *, username: str, min_length: int = 12) -> None:
    """Refuse a weak new password.

    Raises
    ------
    WeakPassword
        Shorter than ``min_length``, fewer than 5 distinct characters, on the common-password
        list (compared in lower case) or containing the username.
    """
    if len(password) < min_length:
        raise WeakPassword(f"the password needs at least {min_length} characters (it has {len(password)})",
                           f"密码至少需要 {min_length} 个字符（当前 {len(password)} 个）", "password.too_short")
    if len(set(password)) < 5:
        raise WeakPassword("the password repeats too few characters: use at least 5 different ones",
                           "密码所含字符种类过少：请至少使用 5 种不同字符", "password.too_simple")
    if password.lower() in common_passwords() or password.strip().lower() in common_passwords():
        raise WeakPassword("this password is on the list of common or breached passwords: choose another",
                           "该密码属于常见或已泄露密码：请换一个", "password.common")
    name = username.strip().lower()
    if len(name) >= 3 and name in password.lower():
        raise WeakPassword("the password must not contain the username", "密码不得包含用户名",
                           "password.contains_username")
