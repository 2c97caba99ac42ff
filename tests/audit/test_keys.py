"""The keyed audit chain with signed checkpoints outside the database (issue #13 item 6): whoever
can write the database, but has neither the key nor the checkpoint file, cannot edit, delete,
truncate or re-hash the log without ``verify`` reporting it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from greenmfg.audit import service
from greenmfg.audit.keys import (
    Keyring,
    check_audit_settings,
    key_id,
    keyring_from_settings,
    read_checkpoints,
)
from greenmfg.audit.models import AuditEvent, AuditHead
from greenmfg.audit.service import GENESIS, _body, record, verify
from greenmfg.db.session import Database
from greenmfg.settings import ConfigurationError, Settings

KEY_A = b"a" * 20 + b"-audit-key-one-for-tests"
KEY_B = b"b" * 20 + b"-audit-key-two-for-tests"


@pytest.fixture
def ring(tmp_path: Path) -> Keyring:
    return service.configure(Keyring(current=KEY_A, checkpoints=tmp_path / "checkpoints.jsonl"))


def _chain(database: Database, n: int = 5) -> None:
    with database.session() as s:
        for i in range(n):
            record(s, "organisation.update", actor="admin", details={"field": "name", "step": i})


def _problems(database: Database) -> list[str]:
    with database.session() as s:
        report = verify(s)
    assert not report.ok
    return report.problems


def _rehash_with_sha256(database: Database, keep_key_ids: bool) -> None:
    """What an attacker without the key can do: recompute every hash with the public algorithm, head too."""
    with database.session() as s:
        prev = GENESIS
        for event in s.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            kid = event.key_id if keep_key_ids else None
            body = _body(event.seq, event.at, event.actor, event.action, event.organisation_id, event.target_type,
                         event.target_id, event.details, kid)
            event.prev_hash, event.key_id = prev, kid
            event.hash = prev = hashlib.sha256((prev + body).encode("utf-8")).hexdigest()
        head = s.get(AuditHead, 1)
        assert head is not None
        head.hash = prev


def test_events_are_keyed_and_checkpointed_after_commit(database: Database, ring: Keyring) -> None:
    _chain(database, 3)
    with database.session() as s:
        assert set(s.scalars(select(AuditEvent.key_id))) == {key_id(KEY_A)}
        report = verify(s)
    assert report.ok and report.events == 3 and report.key_ids == [key_id(KEY_A)]
    checkpoints, problems = read_checkpoints(ring)
    assert not problems and [c.seq for c in checkpoints] == [3]  # one transaction: its newest event
    assert report.checkpoint is not None and report.checkpoint.seq == 3


def test_a_rolled_back_append_writes_no_checkpoint(database: Database, ring: Keyring) -> None:
    with pytest.raises(RuntimeError), database.session() as s:
        record(s, "organisation.update", actor="admin")
        raise RuntimeError
    assert read_checkpoints(ring) == ([], [])
    with database.session() as s:
        assert verify(s).ok


def test_edit_is_detected(database: Database, ring: Keyring) -> None:
    _chain(database)
    with database.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(details={"field": "name", "step": 99}))
    assert any("seq 3" in p and "edited" in p for p in _problems(database))


def test_delete_middle_is_detected_even_with_the_chain_relinked(database: Database, ring: Keyring) -> None:
    _chain(database)
    with database.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    assert any("deleted" in p for p in _problems(database))


def test_delete_tail_with_the_head_rewritten_is_detected(database: Database, ring: Keyring) -> None:
    _chain(database)
    with database.session() as s:
        four = s.scalars(select(AuditEvent).where(AuditEvent.seq == 4)).one()
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
        s.execute(update(AuditHead).values(seq=4, hash=four.hash))  # the head agrees with the shorter log
    problems = _problems(database)
    assert any("truncated" in p and "seq 5" in p for p in problems)


def test_delete_all_events_and_the_head_is_detected(database: Database, ring: Keyring) -> None:
    _chain(database)
    with database.session() as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))
    problems = _problems(database)
    assert any("ends at seq 0" in p and "truncated" in p for p in problems)


@pytest.mark.parametrize("keep_key_ids", [True, False])
def test_rehash_with_public_sha256_is_detected(database: Database, ring: Keyring, keep_key_ids: bool) -> None:
    _chain(database)
    with database.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="someone-else"))
    _rehash_with_sha256(database, keep_key_ids)
    problems = _problems(database)
    if keep_key_ids:
        assert any("does not match its hash" in p for p in problems)
    assert any("signed checkpoint" in p and "rewritten" in p for p in problems)


def test_forged_checkpoint_line_is_reported(database: Database, ring: Keyring) -> None:
    _chain(database, 2)
    assert ring.checkpoints is not None
    line = json.loads(ring.checkpoints.read_text().splitlines()[-1])
    with ring.checkpoints.open("a") as handle:  # an attacker lowering the newest seq to hide a truncation
        handle.write(json.dumps({**line, "seq": 1}) + "\n")
    assert any("signature does not match" in p for p in _problems(database))


def test_key_rotation_verifies_with_the_retired_key(database: Database, tmp_path: Path) -> None:
    checkpoints = tmp_path / "checkpoints.jsonl"
    service.configure(Keyring(current=KEY_A, checkpoints=checkpoints))
    _chain(database, 2)
    service.configure(Keyring(current=KEY_B, retired=[KEY_A], checkpoints=checkpoints))
    _chain(database, 2)
    with database.session() as s:
        report = verify(s)
        assert report.ok, report.problems
        assert report.key_ids == sorted([key_id(KEY_A), key_id(KEY_B)])
    service.configure(Keyring(current=KEY_B, checkpoints=checkpoints))  # the retired key was dropped
    assert any("unknown key" in p for p in _problems(database))


def test_legacy_sha256_prefix_verifies_but_not_after_keyed_events(database: Database, ring: Keyring) -> None:
    _chain(database, 2)
    _rehash_with_sha256(database, keep_key_ids=False)  # as a database from before keys
    ring.checkpoints.unlink()  # type: ignore[union-attr]  # (it never had checkpoints)
    _chain(database, 2)
    with database.session() as s:
        report = verify(s)
    assert report.ok and report.legacy_events == 2, report.problems
    with database.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(key_id=None))
    assert any("unkeyed" in p for p in _problems(database))


def test_verify_appends_a_checkpoint_of_the_verified_head(database: Database, tmp_path: Path) -> None:
    ring = service.configure(Keyring(current=KEY_A, checkpoints=tmp_path / "c.jsonl", checkpoint_every=0))
    _chain(database, 3)
    assert read_checkpoints(ring) == ([], [])
    with database.session() as s:
        assert verify(s, write_checkpoint=True).ok
    assert [c.seq for c in read_checkpoints(ring)[0]] == [3]


def test_keys_come_from_settings_and_production_needs_one(tmp_path: Path) -> None:
    production = Settings(environment="production", secret_key="s" * 40, database_url="postgresql+psycopg://x@h/db")
    with pytest.raises(ConfigurationError, match="GREENMFG_AUDIT_KEY"):
        check_audit_settings(production)
    with pytest.raises(ConfigurationError, match="shorter than 32"):
        keyring_from_settings(Settings(audit_key="short"))
    key_file, old = tmp_path / "audit.key", tmp_path / "retired.keys"
    key_file.write_text("# current\n" + KEY_B.decode() + "\n")
    old.write_text(KEY_A.decode() + "\n")
    ring = keyring_from_settings(Settings(audit_key_file=str(key_file), audit_keyring_file=str(old),
                                          audit_checkpoints=str(tmp_path / "c.jsonl")))
    assert ring.current_id == key_id(KEY_B) and set(ring.keys) == {key_id(KEY_A), key_id(KEY_B)}
    assert ring.checkpoints == tmp_path / "c.jsonl"
    # development without a key: one generated into var/ and reused
    first = keyring_from_settings(Settings()).current_id
    assert keyring_from_settings(Settings()).current_id == first


def test_cli_verify_detects_delete_all_and_rotation_keeps_verifying(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import create_engine, text
    from typer.testing import CliRunner

    from greenmfg.cli import app

    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENMFG_DATABASE_URL", url)
    monkeypatch.setenv("GREENMFG_AUDIT_KEY", KEY_A.decode())
    monkeypatch.setenv("GREENMFG_AUDIT_CHECKPOINTS", str(tmp_path / "checkpoints.jsonl"))
    assert runner.invoke(app, ["demo-accounts", "--json"]).exit_code == 0
    intact = runner.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0 and "intact" in intact.stdout and key_id(KEY_A) in intact.stdout
    # rotation: the new key signs, the old one is kept for verification
    (tmp_path / "retired.keys").write_text(KEY_A.decode() + "\n")
    monkeypatch.setenv("GREENMFG_AUDIT_KEY", KEY_B.decode())
    monkeypatch.setenv("GREENMFG_AUDIT_KEYRING_FILE", str(tmp_path / "retired.keys"))
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
        connection.execute(text("DELETE FROM audit_head"))
    engine.dispose()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 3 and "truncated" in broken.stdout
