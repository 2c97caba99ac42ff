"""Notifications in words: each event's message in the reader's language.

A notification stores its event and parameters (:class:`greenmfg.notifications.models.Notification`);
:func:`render` makes the title and the line below it when the inbox, an e-mail or a webhook shows
it, in the translator's language. Message ids are English (``N_``), translated by
``i18n/locale/*/LC_MESSAGES/notifications.po``; statuses are named by their domain's labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from greenmfg.greenlist.labels import STATUS_LABELS as LIST_STATUS_LABELS
from greenmfg.i18n import N_, Translator

__all__ = ["ALERT_LABELS", "EVENT_TITLES", "KIND_LABELS", "Rendered", "render"]

#: what each kind is called in the inbox and the preferences
KIND_LABELS: Mapping[str, str] = MappingProxyType({
    "workflow": N_("Workflow steps"),
    "alert": N_("Consumption alerts"),
    "deadline": N_("Filing deadlines"),
    "import_failed": N_("Failed imports"),
})

#: the alert's kind (as :func:`greenmfg.diagnosis.labels.alert_kind_key` names it) in words
ALERT_LABELS: Mapping[str, str] = MappingProxyType({
    "spike": N_("a sudden rise in consumption"),
    "spike_down": N_("a sudden drop in consumption"),
    "drift_up": N_("consumption drifting above the baseline"),
    "drift_down": N_("consumption drifting below the baseline"),
})

#: the key of the green-list steps' one title; the alert label used for an unknown alert kind
_LIST, _SPIKE = "greenlist", "spike"

#: event → title (``%(name)s`` from the notification's parameters); green-list steps share one
EVENT_TITLES: Mapping[str, str] = MappingProxyType({
    # the application by its number: an enterprise may have several (a factory and a park …) at once
    _LIST: N_("Green-list application #%(application)s of %(enterprise)s: %(status)s"),
    "capacity.plan.submit": N_("Capacity-replacement plan “%(project)s” of %(enterprise)s awaits approval"),
    "capacity.plan.approve": N_("Capacity-replacement plan “%(project)s” of %(enterprise)s approved"),
    "capacity.plan.reject": N_("Capacity-replacement plan “%(project)s” of %(enterprise)s rejected"),
    "evaluator.assign": N_("%(evaluator)s assigned as third-party evaluator of %(enterprise)s"),
    "import.failed": N_("Import of %(file)s for %(enterprise)s failed"),
    "diagnosis.alert.new": N_("Alert at %(enterprise)s: %(alert)s"),
    "deadline.monthly_activity": N_("Activity data of %(month)s for %(enterprise)s not yet imported"),
    "ets.file": N_("%(enterprise)s filed its carbon-market data of %(month)s"),
    "ets.amendment.open": N_("%(enterprise)s opened an amendment of its carbon-market filing of %(month)s"),
    "ets.amend": N_("%(enterprise)s amended its carbon-market filing of %(month)s (version %(version)s)"),
    "ets.due_soon": N_("Carbon-market filing of %(month)s for %(enterprise)s due by %(due)s"),
    "ets.overdue": N_("Carbon-market filing of %(month)s for %(enterprise)s is overdue"),
})

_DETAILS: Mapping[str, str] = MappingProxyType({
    "import.failed": N_("%(issues)s problems found; open the import to see each one and how to fix it."),
    "diagnosis.alert.new": N_("Meter %(meter)s, from %(started)s to %(ended)s."),
    "deadline.monthly_activity": N_("It was due on %(due)s (%(rule)s)."),
    "ets.due_soon": N_("File the month's data and evidence by %(due)s (%(rule)s)."),
    "ets.overdue": N_("It was due on %(due)s (%(rule)s)."),
})
_REASON = N_("Reason: %(comment)s")
_UNKNOWN = N_("Something changed at %(enterprise)s")
_UNKNOWN_STATUS = N_("status changed")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A notification in words: its title and an optional line of detail."""

    title: str
    detail: str | None


def _enterprise(params: Mapping[str, Any], translator: Translator) -> str:
    name = str(params.get("enterprise") or "")
    english = params.get("enterprise_en")
    return str(english) if translator.locale == "en" and english else name


def render(event: str, params: Mapping[str, Any], translator: Translator) -> Rendered:
    """The title and detail of a notification of ``event`` with ``params``, in ``translator``'s language."""
    values: dict[str, Any] = {k: ("" if v is None else v) for k, v in params.items()}
    values["enterprise"] = _enterprise(params, translator)
    detail: str | None = None
    if event.startswith("greenlist."):
        status = LIST_STATUS_LABELS.get(str(params.get("status") or ""))
        values["application"] = values.get("application") or "—"
        values["status"] = translator.gettext(status[1]) if status else translator.gettext(_UNKNOWN_STATUS)
        title = translator.gettext(EVENT_TITLES[_LIST], **values)
    elif event in EVENT_TITLES:
        if event == "diagnosis.alert.new":
            label = ALERT_LABELS.get(str(params.get("alert")), ALERT_LABELS[_SPIKE])
            values["alert"] = translator.gettext(label)
        if event in ("deadline.monthly_activity", "ets.due_soon", "ets.overdue"):
            values["rule"] = params.get("rule_en" if translator.locale == "en" else "rule_zh") or ""
        title = translator.gettext(EVENT_TITLES[event], **values)
        if event in _DETAILS:
            detail = translator.gettext(_DETAILS[event], **values)
    else:
        title = translator.gettext(_UNKNOWN, **values)
    if params.get("comment"):
        reason = translator.gettext(_REASON, comment=params["comment"])
        detail = f"{detail} {reason}" if detail else reason
    return Rendered(title, detail)
