"""The audit chain's keys and its signed checkpoints, both kept outside the database.

Whoever can write the database can recompute a public SHA-256 chain; they cannot recompute an
HMAC-SHA-256 chain without the key, and they cannot make the log shorter than the newest signed
checkpoint says without the checkpoint file (or the syslog server) as well.

Keys
    The current key comes from ``GREENMFG_AUDIT_KEY`` (the text itself) or
    ``GREENMFG_AUDIT_KEY_FILE`` (a file holding it: its first line that is not blank or a ``#``
    comment). Keys retired by a rotation stay verifiable through ``GREENMFG_AUDIT_KEYRING_FILE``
    (one old key a line). A key is named by its *key id*, an HMAC of a fixed text under the key
    (it does not reveal the key); every event and checkpoint records the id of the key that signed
    it. In development, without either setting, a random key is generated once into
    ``var/audit.key`` (mode 0600); production refuses to start without a key
    (:func:`check_audit_settings`).

Checkpoints
    An append-only JSON-lines file (``GREENMFG_AUDIT_CHECKPOINTS``, default beside a SQLite
    database file, ``var/greenmfg.db.audit-checkpoints.jsonl``, else ``var/audit-checkpoints.jsonl``), one line ``{"seq", "hash", "time", "key_id", "mac"}`` after
    every ``GREENMFG_AUDIT_CHECKPOINT_EVERY``-th event (default 1: after each committed append) and
    on each ``greenmfg audit verify``; ``mac`` is the HMAC of the other fields under the key
    ``key_id``. With ``GREENMFG_AUDIT_SYSLOG`` (``/dev/log`` or ``host:port``) each line also goes
    to syslog, where a database writer cannot reach it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import logging.handlers
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenmfg.settings import ConfigurationError, Settings

__all__ = ["MIN_KEY_LENGTH", "Checkpoint", "Keyring", "check_audit_settings", "default_checkpoints", "key_id",
           "keyring_from_settings",
           "new_key", "read_checkpoints"]

#: where development defaults live (relative to the working directory, like the SQLite database)
DEFAULT_DIRECTORY = Path("var")
MIN_KEY_LENGTH = 32
_log = logging.getLogger("greenmfg.audit")


def key_id(key: bytes) -> str:
    """The public name of a key: 16 hex digits of an HMAC of a fixed text under it."""
    return hmac.new(key, b"greenmfg audit key id", hashlib.sha256).hexdigest()[:16]


def new_key() -> str:
    """A random key text (64 URL-safe characters)."""
    return secrets.token_urlsafe(48)


def _mac(key: bytes, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One line of the checkpoint file: the chain had ``seq`` events ending in ``hash`` at ``time``."""

    seq: int
    hash: str
    time: str
    key_id: str
    line: int = 0


@dataclass
class Keyring:
    """The current key (signs new events and checkpoints), retired keys (verify only) and where
    checkpoints go."""

    current: bytes
    retired: list[bytes] = field(default_factory=list)
    checkpoints: Path | None = None
    checkpoint_every: int = 1
    syslog: str | None = None
    #: key id → key, the current one and the retired ones
    keys: dict[str, bytes] = field(init=False)
    current_id: str = field(init=False)
    _syslog: logging.Handler | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.keys = {key_id(k): k for k in [*self.retired, self.current]}
        self.current_id = key_id(self.current)

    def digest(self, kid: str, text: str) -> str | None:
        """HMAC-SHA-256 of ``text`` under the key ``kid``; None when the key is unknown."""
        key = self.keys.get(kid)
        return None if key is None else hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------------------- checkpoints

    def checkpoint(self, seq: int, digest: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
        """Append a signed checkpoint (file and, if configured, syslog); returns the line written."""
        at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        fields: dict[str, Any] = {"seq": seq, "hash": digest, "time": at, "key_id": self.current_id}
        line = {**fields, "mac": _mac(self.current, fields)}
        text = json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n"
        if self.checkpoints is not None:
            self.checkpoints.parent.mkdir(parents=True, exist_ok=True)
            # O_APPEND: one write of one short line, so concurrent writers never interleave
            fd = os.open(self.checkpoints, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, text.encode("utf-8"))
            finally:
                os.close(fd)
        if self.syslog:
            self._syslog_handler().emit(logging.LogRecord("greenmfg.audit", logging.INFO, __file__, 0,
                                                          "greenmfg-audit-checkpoint " + text.strip(), None, None))
        return line

    def _syslog_handler(self) -> logging.Handler:
        if self._syslog is None:
            target = self.syslog or "/dev/log"
            host, _, port = target.rpartition(":")
            address: str | tuple[str, int] = (host, int(port)) if host and port.isdigit() else target
            self._syslog = logging.handlers.SysLogHandler(address=address)
        return self._syslog


def read_checkpoints(keyring: Keyring) -> tuple[list[Checkpoint], list[str]]:
    """The valid checkpoints of the file, and a problem for each line that is not one (bad JSON,
    unknown key, MAC not matching: forged or altered)."""
    if keyring.checkpoints is None or not keyring.checkpoints.exists():
        return [], []
    found: list[Checkpoint] = []
    problems: list[str] = []
    with keyring.checkpoints.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                fields = {k: line[k] for k in ("seq", "hash", "time", "key_id")}
                mac = str(line["mac"])
            except (ValueError, KeyError, TypeError):
                problems.append(f"checkpoint file line {number}: not a checkpoint / 检查点文件第 {number} 行格式错误")
                continue
            key = keyring.keys.get(str(fields["key_id"]))
            if key is None:
                problems.append(f"checkpoint file line {number}: signed by unknown key {fields['key_id']} "
                                "(add the retired key to GREENMFG_AUDIT_KEYRING_FILE) / 检查点由未知密钥签名")
                continue
            if not hmac.compare_digest(_mac(key, fields), mac):
                problems.append(f"checkpoint file line {number}: signature does not match (forged or altered) / "
                                f"检查点文件第 {number} 行签名不符（被伪造或篡改）")
                continue
            found.append(Checkpoint(int(fields["seq"]), str(fields["hash"]), str(fields["time"]),
                                    str(fields["key_id"]), number))
    return found, problems


# ----------------------------------------------------------------------------------- settings


def check_audit_settings(settings: Settings) -> None:
    """Refuse to run production without an audit key kept outside the database.

    Raises
    ------
    ConfigurationError
        Production without ``GREENMFG_AUDIT_KEY`` or ``GREENMFG_AUDIT_KEY_FILE``.
    """
    if settings.production and not (settings.audit_key or settings.audit_key_file):
        raise ConfigurationError(
            "production needs an audit key outside the database: set GREENMFG_AUDIT_KEY_FILE to a file holding "
            "a random key of at least 32 characters (greenmfg audit new-key) or GREENMFG_AUDIT_KEY / "
            "生产模式需要数据库之外的审计密钥：请将 GREENMFG_AUDIT_KEY_FILE 指向保存随机密钥（至少 32 个字符，"
            "可用 greenmfg audit new-key 生成）的文件，或设置 GREENMFG_AUDIT_KEY")


def _key_text(text: str, where: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_LENGTH:
        raise ConfigurationError(f"{where}: the audit key is shorter than {MIN_KEY_LENGTH} characters; use "
                                 f"greenmfg audit new-key / {where}：审计密钥少于 {MIN_KEY_LENGTH} 个字符")
    return text.encode("utf-8")


def _lines(path: Path, setting: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"{setting}={path}: cannot be read ({error.strerror}) / {setting} 指向的文件无法读取") \
            from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _development_key(path: Path) -> bytes:
    """The generated development key at ``path`` (created once, readable by the owner only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("# greenmfg development audit key: generated, not for production\n" + new_key() + "\n")
    lines = _lines(path, "var/audit.key")
    return _key_text(lines[0] if lines else "", str(path))


def default_checkpoints(database_url: str) -> Path:
    """Where checkpoints go without ``GREENMFG_AUDIT_CHECKPOINTS``: beside a SQLite database file
    (``var/greenmfg.db.audit-checkpoints.jsonl``: they belong to that database), else
    ``var/audit-checkpoints.jsonl``."""
    path = Settings(database_url=database_url).sqlite_path()
    if path is not None:
        return path.with_name(path.name + ".audit-checkpoints.jsonl")
    return DEFAULT_DIRECTORY / "audit-checkpoints.jsonl"


def keyring_from_settings(settings: Settings, *, database_url: str | None = None) -> Keyring:
    """The keyring the settings describe (see the module docstring); ``database_url`` (default the
    settings') places the default checkpoint file.

    Raises
    ------
    ConfigurationError
        Production without a key; a key shorter than :data:`MIN_KEY_LENGTH`; an unreadable file.
    """
    check_audit_settings(settings)
    if settings.audit_key:
        current = _key_text(settings.audit_key, "GREENMFG_AUDIT_KEY")
    elif settings.audit_key_file:
        lines = _lines(Path(settings.audit_key_file), "GREENMFG_AUDIT_KEY_FILE")
        current = _key_text(lines[0] if lines else "", "GREENMFG_AUDIT_KEY_FILE")
    else:
        current = _development_key(DEFAULT_DIRECTORY / "audit.key")
    retired = ([_key_text(k, "GREENMFG_AUDIT_KEYRING_FILE")
                for k in _lines(Path(settings.audit_keyring_file), "GREENMFG_AUDIT_KEYRING_FILE")]
               if settings.audit_keyring_file else [])
    checkpoints = Path(settings.audit_checkpoints) if settings.audit_checkpoints else default_checkpoints(
        database_url or settings.database_url)
    return Keyring(current=current, retired=retired, checkpoints=checkpoints,
                   checkpoint_every=max(settings.audit_checkpoint_every, 0), syslog=settings.audit_syslog or None)
