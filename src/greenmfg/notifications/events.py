"""Where notifications come from: the audit events of the workflow steps, and new alerts, in one place.

Every workflow step of the platform is already recorded, in its own transaction, as an audit event
(:func:`greenmfg.audit.service.record`) naming the action, the enterprise, the object and the
details. Deriving the notifications from those events here, instead of a call in each service,
keeps one table (:data:`RULES`) of who is told what, leaves the services untouched, and cannot
miss a step taken through another edge (API, pages, command line): what is audited is told. New
consumption alerts (:class:`greenmfg.diagnosis.models.DiagnosisAlert`, found by the diagnosis and
by the monitoring's M&V savings) are not audit events; their insertion is watched the same way.

Mechanics: objects of those two classes added to a session are noted (``transient_to_pending``);
before the session flushes them, :func:`_derive` turns each into :func:`greenmfg.notifications.service.notify`
calls, whose rows join the same flush and the same transaction: a rolled-back step tells nobody,
and e-mails and webhooks leave only after the commit.

The app factory and the command line call :func:`configure` at start-up: importing this module
registers the listeners, and the settings' e-mail and webhook channels are attached to the database.

Green-list steps not in :data:`RULES` (a step added later) still tell the applicant's members, with
the new status named by the green-list labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from greenmfg.audit.models import AuditEvent
from greenmfg.db.session import Database
from greenmfg.diagnosis.labels import alert_kind_key
from greenmfg.diagnosis.models import DiagnosisAlert
from greenmfg.notifications import delivery
from greenmfg.notifications.service import notify
from greenmfg.orgs.models import Facility, Meter, Organisation
from greenmfg.settings import Settings

__all__ = ["FALLBACK_RULES", "RULES", "Rule", "configure", "rule_for"]

_NOTED = "greenmfg.notifications.noted"


@dataclass(frozen=True, slots=True)
class Rule:
    """Who is told of one audited action: the kind, the audiences (see
    :mod:`greenmfg.notifications.service`) and whether the actor is told too."""

    kind: str
    audiences: tuple[str, ...]
    include_actor: bool = False
    #: only events whose details have these values (e.g. a preview that found problems)
    when: tuple[tuple[str, Any], ...] = ()


#: audited action → who is told. The green list: the covering regulators when a step waits for them
#: (submitted, filed for review), the evaluator when commissioned, the applicant's members at each
#: decision, the platform administrators (MIIT) when a province recommends.
RULES: Mapping[str, Rule] = MappingProxyType({
    "greenlist.submit": Rule("workflow", ("regulators",)),
    "greenlist.assign_evaluator": Rule("workflow", ("evaluator", "enterprise")),
    "greenlist.evaluate": Rule("workflow", ("enterprise",)),
    "greenlist.evaluator_return": Rule("workflow", ("enterprise",)),
    "greenlist.apply": Rule("workflow", ("regulators",)),
    "greenlist.pre_review": Rule("workflow", ("regulators", "enterprise")),
    "greenlist.recommend": Rule("workflow", ("enterprise", "admins")),
    "greenlist.regulator_return": Rule("workflow", ("enterprise",)),
    # the province sends a pre-reviewed application back to the city's pre-review: both are told
    "greenlist.province_return": Rule("workflow", ("regulators", "enterprise")),
    "greenlist.reject": Rule("workflow", ("enterprise",)),
    "greenlist.publish": Rule("workflow", ("enterprise",)),
    "greenlist.retain": Rule("workflow", ("enterprise",)),
    "greenlist.remove": Rule("workflow", ("enterprise",)),
    "greenlist.withdraw": Rule("workflow", ("regulators",)),
    "capacity.plan.submit": Rule("workflow", ("regulators",)),
    "capacity.plan.approve": Rule("workflow", ("enterprise",)),
    "capacity.plan.reject": Rule("workflow", ("enterprise",)),
    "evaluator.assign": Rule("workflow", ("evaluator", "enterprise")),
    # a failed import is told to whoever uploaded it too: an upload through the API has nobody watching
    "import.preview": Rule("import_failed", ("enterprise",), include_actor=True,
                           when=(("status", "invalid"),)),
    # the carbon market's monthly filings: the covering regulators see each filing and amendment;
    # the enterprise's other members are told when a filed month is amended
    "ets.file": Rule("workflow", ("regulators",)),
    "ets.amendment.open": Rule("workflow", ("regulators",)),
    "ets.amend": Rule("workflow", ("regulators", "enterprise")),
})
#: an action prefix → the rule of its actions missing from :data:`RULES`
FALLBACK_RULES: Mapping[str, Rule] = MappingProxyType({
    "greenlist.": Rule("workflow", ("enterprise",)),
})
#: actions of a prefix that are not steps anyone is told of
_QUIET = frozenset({"greenlist.create", "greenlist.output.enterprise", "greenlist.output.region"})


def rule_for(action: str) -> Rule | None:
    """The rule of an audited action (None: nobody is told)."""
    if action in _QUIET:
        return None
    if action in RULES:
        return RULES[action]
    return next((rule for prefix, rule in FALLBACK_RULES.items() if action.startswith(prefix)), None)


def _number(value: object) -> int | None:
    """``value`` as a whole number when it is one (ids in audit details), else None."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def _link(action: str, target_type: str | None, target_id: str | None, enterprise_id: int | None) -> str | None:
    if target_type == "green_list_application":
        return f"/green-list/applications/{target_id}"
    if target_type == "capacity_plan":
        return f"/capacity/plans/{target_id}"
    if target_type == "import":
        return f"/imports/{target_id}"
    if action == "evaluator.assign" and enterprise_id is not None:
        return f"/enterprises/{enterprise_id}"
    return None


def _from_audit(session: Session, entry: AuditEvent) -> None:
    rule = rule_for(entry.action)
    details: dict[str, Any] = dict(entry.details or {})
    if rule is None or any(details.get(k) != v for k, v in rule.when):
        return
    enterprise = session.get(Organisation, entry.organisation_id) if entry.organisation_id is not None else None
    params: dict[str, Any] = {}
    evaluator_id = details.get("evaluator_id")
    event_name = entry.action
    if entry.action.startswith("greenlist."):
        params = {"status": details.get("to"), "comment": details.get("comment"), "application": entry.target_id}
        application_id = _number(entry.target_id)
        if evaluator_id is None and entry.target_type == "green_list_application" and application_id is not None:
            from greenmfg.greenlist.models import GreenApplication

            application = session.get(GreenApplication, application_id)
            evaluator_id = application.evaluator_id if application is not None else None
    elif entry.action.startswith("capacity.plan."):
        from greenmfg.capacity.models import ReplacementPlan

        plan_id = _number(entry.target_id)
        plan = session.get(ReplacementPlan, plan_id) if plan_id is not None else None
        params = {"project": plan.project_name if plan is not None else entry.target_id,
                  "comment": details.get("comment")}
    elif entry.action == "evaluator.assign":
        evaluator = session.get(Organisation, _number(evaluator_id)) if _number(evaluator_id) else None
        params = {"evaluator": evaluator.name if evaluator is not None else ""}
    elif entry.action == "import.preview":
        event_name = "import.failed"
        params = {"file": details.get("file"), "issues": details.get("issues")}
    link = _link(entry.action, entry.target_type, entry.target_id, enterprise.id if enterprise is not None else None)
    if entry.action.startswith("ets.") and enterprise is not None:
        params = {"month": details.get("period"), "version": details.get("version"), "comment": details.get("comment")}
        link = f"/ets/enterprises/{enterprise.id}/months/{details.get('period')}"
    notify(session, event=event_name, kind=rule.kind, audiences=rule.audiences, enterprise=enterprise,
           params=params, link=link,
           target_type=entry.target_type, target_id=entry.target_id, actor_user_id=entry.actor_user_id,
           include_actor=rule.include_actor,
           evaluator_id=_number(evaluator_id))


def _from_alert(session: Session, alert: DiagnosisAlert) -> None:
    facility = session.get(Facility, alert.facility_id)
    enterprise = session.get(Organisation, facility.enterprise_id) if facility is not None else None
    if enterprise is None:
        return
    meter = session.get(Meter, alert.meter_id) if alert.meter_id is not None else None
    year = alert.started.year
    notify(session, event="diagnosis.alert.new", kind="alert", audiences=("enterprise",), enterprise=enterprise,
           params={"alert": alert_kind_key(alert.kind, alert.excess_kwh),
                   "meter": (f"{meter.code} {meter.name}" if meter is not None else ""),
                   "started": alert.started.isoformat(), "ended": alert.ended.isoformat()},
           link=(f"/meters/{meter.id}" if meter is not None else f"/diagnosis?enterprise_id={enterprise.id}&year={year}"),
           target_type="diagnosis_alert", target_id=None)


@event.listens_for(Session, "transient_to_pending")
def _note(session: Session, instance: object) -> None:
    if isinstance(instance, (AuditEvent, DiagnosisAlert)):
        session.info.setdefault(_NOTED, []).append(instance)


@event.listens_for(Session, "before_flush")
def _derive(session: Session, _context: object, _instances: object) -> None:
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    for instance in noted:
        if not inspect(instance).pending:
            continue  # expunged before the flush
        if isinstance(instance, AuditEvent):
            _from_audit(session, instance)
        else:
            _from_alert(session, instance)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_NOTED, None)


def configure(settings: Settings, *, database: Database) -> delivery.Channels:
    """Notify from this process's sessions (the listeners above are registered by importing this
    module) and attach the settings' e-mail and webhook channels to ``database`` (off unless set)."""
    return delivery.configure(settings, database=database)
