"""Words for the audit log: what an action, a target and a detail of an event are called.

English message ids marked with :func:`~greenmfg.i18n.N_`, translated by the catalogs
(``i18n/locale/zh_CN/LC_MESSAGES/admin.po``); the green-list workflow's actions and statuses are
named by :mod:`greenmfg.greenlist.labels` (one name each, on its pages and in the log alike).
An action, target or key not named here is shown as recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from greenmfg.greenlist.labels import ACTION_LABELS as GREENLIST_ACTIONS
from greenmfg.greenlist.labels import KIND_LABELS as GREENLIST_KINDS
from greenmfg.greenlist.labels import STATUS_LABELS as GREENLIST_STATUS
from greenmfg.i18n import N_

__all__ = ["ACTION_LABELS", "DETAIL_LABELS", "TARGET_LABELS", "action_label", "detail_label", "detail_value",
           "target_label"]

Gettext = Callable[..., str]

ACTION_LABELS: Mapping[str, str] = MappingProxyType({
    "auth.login": N_("Signed in"), "auth.login_failed": N_("Failed sign-in"), "auth.token_issued": N_("Token issued"),
    "auth.token_created": N_("Token created"), "auth.token_revoked": N_("Token revoked"),
    "auth.password_changed": N_("Password changed"), "auth.password_change_failed": N_("Password change refused"),
    "import.preview": N_("Import previewed"), "import.commit": N_("Import committed"),
    "import.discard": N_("Import discarded"), "import.expire": N_("Import expired"),
    "results.recalculate": N_("Results recalculated"), "demo.seed": N_("Demo data seeded"),
    "organisation.create": N_("Organisation created"), "organisation.update": N_("Organisation changed"),
    "evaluator.assign": N_("Evaluator assigned"), "evaluator.unassign": N_("Assignment ended"),
    "user.create": N_("User created"), "user.deactivate": N_("User deactivated"),
    "user.activate": N_("User reactivated"), "user.demo_disabled": N_("Demo accounts disabled"),
    "membership.add": N_("Membership added"), "membership.role_change": N_("Role changed"),
    "membership.remove": N_("Membership removed"),
    "capacity.plan.create": N_("Capacity plan created"), "capacity.plan.submit": N_("Capacity plan submitted"),
    "capacity.plan.approve": N_("Capacity plan approved"), "capacity.plan.reject": N_("Capacity plan rejected"),
    "diagnosis.equipment.create": N_("Equipment added"), "diagnosis.equipment.update": N_("Equipment changed"),
    "diagnosis.equipment.delete": N_("Equipment removed"), "diagnosis.equipment.import": N_("Equipment register imported"),
    "diagnosis.notes.save": N_("Energy-management notes saved"),
    "greenfactory.create": N_("Self-evaluation created"), "greenfactory.update": N_("Self-evaluation changed"),
    "greenfactory.finalise": N_("Self-evaluation finalised"),
    "greenlist.output.enterprise": N_("Enterprise output value recorded"),
    "greenlist.output.region": N_("Regional output value recorded"),
    "monitoring.baseline.create": N_("Energy baseline fitted"), "monitoring.savings_report": N_("Savings report made"),
    "monitoring.device.create": N_("Meter device registered"), "monitoring.device.revoke": N_("Meter device revoked"),
    "monitoring.device.rotate": N_("Meter device credentials renewed"),
    "monitoring.meter.register": N_("Meter registered"), "monitoring.meter.replace": N_("Meter replaced"),
    "monitoring.readings.push": N_("Readings received"),
    "ets.file": N_("Month filed with the carbon market"), "ets.amend": N_("Carbon-market filing amended"),
    "ets.amendment.open": N_("Carbon-market amendment opened"), "ets.coverage.set": N_("Covered status set"),
    "ets.coverage.assess": N_("Covered status assessed"),
    "cbam.product.add": N_("CBAM good added"), "cbam.customer.add": N_("EU customer added"),
    "cbam.calculate": N_("CBAM calculation stored"), "cbam.communication.create": N_("CBAM communication generated"),
    "cbam.communication.sent": N_("CBAM communication sent"),
    "cbam.communication.verified": N_("CBAM communication verification recorded"),
    "cbam.communication.received": N_("Supplier's CBAM communication received"),
    "cbam.footprint": N_("Product footprints stored"), "cbam.share": N_("CBAM data shared"),
    "cbam.share.revoke": N_("CBAM data share revoked"),
    "ets.declaration.set": N_("Special case of a line declared"),
    **{f"greenlist.{key}": text for key, text in GREENLIST_ACTIONS.items()},
})

TARGET_LABELS: Mapping[str, str] = MappingProxyType({
    "import": N_("Import"), "green_list_application": N_("Green-list application"),
    "ets_filing": N_("Carbon-market filing"), "ets_month": N_("Carbon-market month"),
    "ets_coverage": N_("Covered status"), "ets_declaration": N_("Declared case of a line"),
    "enterprise_output": N_("Enterprise output value"), "region_output": N_("Regional output value"),
    "energy_baseline": N_("Energy baseline"), "savings_report": N_("Savings report"), "meter": N_("Meter"),
    "meter_device": N_("Meter device"), "user": N_("User"), "organisation": N_("Organisation"),
    "membership": N_("Membership"), "api_token": N_("API token"), "capacity_plan": N_("Capacity plan"),
    "green_evaluation": N_("Green-factory self-evaluation"), "equipment": N_("Equipment"),
    "diagnosis_equipment": N_("Equipment"), "diagnosis_notes": N_("Energy-management notes"),
    "evaluator_assignment": N_("Evaluator assignment"), "enterprise": N_("Enterprise"),
    "cbam_product": N_("CBAM good"), "cbam_customer": N_("EU customer"), "cbam_calculation": N_("CBAM calculation"),
    "cbam_communication": N_("CBAM communication"), "cbam_footprint": N_("Product carbon footprint"),
})

DETAIL_LABELS: Mapping[str, str] = MappingProxyType({
    "comment": N_("Comment"), "client": N_("Client"), "year": N_("Year"), "before": N_("Before"),
    "rows": N_("Rows"), "versions": N_("Data versions"), "run_id": N_("Calculation run"), "list_year": N_("List year"),
    "from": N_("From"), "to": N_("To"), "total_score": N_("Total score"), "framework": N_("Evaluation standard"),
    "park_id": N_("Park"), "evaluator_id": N_("Evaluator"), "evaluations_in_year": N_("Evaluations this year"),
    "cap": N_("Cap"), "cap_reference": N_("Cap from"), "kind": N_("Kind"), "recommendation": N_("Recommendation"),
    "score": N_("Score"), "indicator_comments": N_("Indicator comments"), "batch": N_("Import"),
    "meter_id": N_("Meter"), "method": N_("Method"), "window": N_("Period"), "override": N_("Override reason"),
    "report_id": N_("Report"), "baseline_id": N_("Baseline"), "alerts": N_("Alerts"), "source_note": N_("Source"),
    "file": N_("File"), "output_value": N_("Output value"), "enterprises": N_("Enterprises"), "months": N_("Months"),
    "seed": N_("Random seed"), "meter_days": N_("Days of meter readings"), "status": N_("Status"),
    "enterprise_id": N_("Enterprise"), "username": N_("Username"), "usernames": N_("Usernames"),
    "role": N_("Role"), "name": N_("Name"), "code": N_("Code"), "scopes": N_("Scopes"), "prefix": N_("Token prefix"),
    "fields": N_("Fields"), "changed": N_("Changed"), "results": N_("Results"), "organisation": N_("Organisation"),
    "required": N_("Required"), "ratio": N_("Ratio"), "passed": N_("Passed"), "source": N_("Source"),
    "revoked": N_("Revoked"), "ttl_hours": N_("Valid for (hours)"), "via": N_("Via"), "generated": N_("Generated"),
    "duplicates": N_("Duplicates"), "stored": N_("Stored"), "rederived": N_("Derived again"),
    "meter_ids": N_("Meters"), "initial_value": N_("Initial register value"), "at": N_("At"),
    "by_admin": N_("By an administrator"), "owner_user_id": N_("Owner"), "fingerprint": N_("Fingerprint"),
    "period": N_("Period"), "inputs": N_("Inputs"), "data_versions": N_("Data versions"),
    "embedded_tco2e": N_("Embedded emissions (tCO2e)"), "reference_fingerprint": N_("Reference fingerprint"),
    "cn_code": N_("CN code"), "facility": N_("Facility"), "country": N_("Country"),
    "calculation_id": N_("CBAM calculation"), "customer_id": N_("EU customer"), "sha256": N_("SHA-256"),
    "supplier": N_("Supplier"), "records": N_("Records"), "verified_by": N_("Verified by"),
    "report_sha256": N_("SHA-256 of the report"), "products": N_("Products"), "share_id": N_("Share"),
    "grantee_id": N_("Shared with"), "attachment_id": N_("Attachment"), "media_type": N_("File type"),
    "size_bytes": N_("Size (bytes)"), "verifier_organisation": N_("Verifier"),
})

#: recorded values that are codes: the green-list statuses and kinds, and a few words
_VALUE_LABELS: Mapping[str, str] = MappingProxyType({
    **{key: text for key, (_badge, text) in GREENLIST_STATUS.items()}, **GREENLIST_KINDS,
    "pass": N_("Recommend"), "fail": N_("Do not recommend"),
    "caltrack_daily_change_point": N_("CalTRACK daily change-point model"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": N_("Excel workbook (.xlsx)"),
})


def action_label(action: str, gettext: Gettext) -> str:
    """An audit action in words (the recorded action itself when it has none)."""
    text = ACTION_LABELS.get(action)
    return gettext(text) if text else action


def target_label(target_type: str | None, gettext: Gettext) -> str:
    if not target_type:
        return "—"
    text = TARGET_LABELS.get(target_type)
    return gettext(text) if text else target_type


def detail_label(key: str, gettext: Gettext) -> str:
    text = DETAIL_LABELS.get(key)
    return gettext(text) if text else key


def detail_value(value: Any, gettext: Gettext) -> Any:
    """A recorded value in words where it is a known code; anything else as recorded."""
    if isinstance(value, str) and value in _VALUE_LABELS:
        return gettext(_VALUE_LABELS[value])
    return value
