"""The shared column types make the very columns they stand for, where the class puts them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, MetaData, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateIndex, CreateTable

from greenmfg.db.base import NAMING_CONVENTION, UTCDateTime, utcnow
from greenmfg.db.columns import (
    ByUser,
    FacilityId,
    IntPk,
    OrgId,
    RunId,
    Timestamp,
    UpdatedAt,
    UserId,
    one_of,
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


for name in ("organisations", "facilities", "users", "calculation_runs"):
    type(name, (Base,), {"__tablename__": name, "__annotations__": {"id": "Mapped[IntPk]"}})


class Spelled(Base):
    __tablename__ = "spelled"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    run_id: Mapped[int] = mapped_column(ForeignKey("calculation_runs.id", ondelete="CASCADE"), index=True)


class Typed(Base):
    __tablename__ = "typed"

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    name: Mapped[str] = mapped_column(String(200))
    facility_id: Mapped[FacilityId]
    user_id: Mapped[UserId]
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[UpdatedAt]
    run_id: Mapped[RunId]


def _ddl(model: type[Base]) -> list[str]:
    table = model.__table__
    ddl = [str(CreateTable(table).compile(dialect=dialect)) for dialect in (postgresql.dialect(), sqlite.dialect())]
    ddl += sorted(str(CreateIndex(index).compile(dialect=postgresql.dialect())) for index in table.indexes)
    return [text.replace(model.__tablename__, "t") for text in ddl]


def test_the_typed_columns_are_the_spelled_out_ones() -> None:
    assert _ddl(Typed) == _ddl(Spelled)
    assert "ix_t_enterprise_id" in _ddl(Typed)[2]
    assert [c.name for c in Typed.__table__.columns] == [c.name for c in Spelled.__table__.columns]
    for typed, spelled in zip(Typed.__table__.columns, Spelled.__table__.columns, strict=True):
        assert (typed.nullable, typed.index, typed.primary_key) == (spelled.nullable, spelled.index, spelled.primary_key)
        for attribute in ("default", "onupdate"):
            one, other = getattr(typed, attribute), getattr(spelled, attribute)
            assert (one is None) == (other is None)
            if one is not None:  # SQLAlchemy wraps a callable default
                assert getattr(one.arg, "__wrapped__", one.arg) is getattr(other.arg, "__wrapped__", other.arg)
        assert [(fk.target_fullname, fk.ondelete) for fk in typed.foreign_keys] == [
            (fk.target_fullname, fk.ondelete) for fk in spelled.foreign_keys]
    assert Typed.__table__.c.created_by.nullable and not Typed.__table__.c.enterprise_id.nullable
    assert getattr(Typed.__table__.c.created_at.default.arg, "__wrapped__", None) is utcnow


def test_one_of_lists_the_values_in_order() -> None:
    from enum import StrEnum

    class Status(StrEnum):
        draft = "draft"
        final = "final"

    check = one_of("status", Status)
    assert (str(check.sqltext), check.name) == ("status IN ('draft', 'final')", "status")
    assert str(one_of("unit", ("t/a", "t/d")).sqltext) == "unit IN ('t/a', 't/d')"


def test_the_models_check_their_enums() -> None:
    from greenmfg.capacity.models import PlanStatus, ReplacementPlan
    from greenmfg.orgs.models import Organisation, OrgKind

    checks = {(c.table.name, c.name): str(c.sqltext) for model in (ReplacementPlan, Organisation)
              for c in model.__table__.constraints if isinstance(c, CheckConstraint)}
    assert checks["capacity_plans", "ck_capacity_plans_status"] == "status IN ('draft', 'submitted', 'approved', 'rejected')"
    assert checks["organisations", "ck_organisations_kind"] == "kind IN ('enterprise', 'regulator', 'evaluator', 'platform')"
    assert [*PlanStatus] == ["draft", "submitted", "approved", "rejected"] and "platform" in [*OrgKind]
