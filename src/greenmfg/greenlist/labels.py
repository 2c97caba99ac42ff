"""Display names of green-list terms (English message ids; pages translate them).

The Chinese names follow the rules' own wording (绿色工厂、绿色工业园区、绿色供应链管理企业; 自评价、
第三方评价、申报、推荐、公示/发布、动态管理、移出).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.i18n import N_

__all__ = ["ACTION_LABELS", "ATTACHMENT_LABELS", "CRITERION_LABELS", "KIND_LABELS", "STATUS_LABELS"]

#: attachment kind of a green-list application → label
ATTACHMENT_LABELS: Mapping[str, str] = MappingProxyType({
    "application_form": N_("Application form"),
    "evidence": N_("Supporting evidence"),
    "evaluator_report": N_("Third-party evaluation report"),
})

KIND_LABELS: Mapping[str, str] = MappingProxyType({
    "factory": N_("Green factory"),
    "park": N_("Green industrial park"),
    "supply_chain": N_("Green supply-chain management enterprise"),
})

#: status → (badge status of ``ui.badge``, label)
STATUS_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "draft": ("draft", N_("Draft")),
    "submitted": ("pending", N_("Self-evaluation submitted")),
    "evaluator_assigned": ("pending", N_("With the third-party evaluator")),
    "evaluated": ("previewed", N_("Evaluated by the third party")),
    "regulator_review": ("pending", N_("Awaiting the city bureau's pre-review")),
    "pre_reviewed": ("pending", N_("Pre-reviewed by the city, awaiting the province's recommendation")),
    "recommended": ("info", N_("Recommended")),
    "published": ("verified", N_("Listed")),
    "returned": ("warning", N_("Returned for rework")),
    "rejected": ("error", N_("Not approved")),
    "withdrawn": ("draft", N_("Withdrawn")),
    "removed": ("error", N_("Removed from the list")),
})

ACTION_LABELS: Mapping[str, str] = MappingProxyType({
    "create": N_("Application created"),
    "submit": N_("Submit with the self-evaluation"),
    "assign_evaluator": N_("Commission the third-party evaluator"),
    "evaluate": N_("Evaluation report: recommend"),
    "evaluator_return": N_("Evaluation report: return for rework"),
    "apply": N_("File with the regulator"),
    "pre_review": N_("City pre-review passed"),
    "recommend": N_("Recommend for the list"),
    "regulator_return": N_("Return for rework"),
    "province_return": N_("Return to the city bureau for a new pre-review"),
    "attach": N_("Attachment added"),
    "reject": N_("Do not approve"),
    "publish": N_("Publish on the list"),
    "retain": N_("Annual re-check: retained"),
    "remove": N_("Annual re-check: removed"),
    "withdraw": N_("Withdraw"),
})

CRITERION_LABELS: Mapping[str, str] = MappingProxyType({
    "key_indicators_not_met": N_("Key indicators no longer meet the requirements (after an on-site assessment)"),
    "major_accident": N_("Major safety, quality or environmental-pollution accident"),
    "refused_annual_report": N_("Refused to file the annual dynamic-management table"),
    "falsified_data": N_("Falsified materials or data"),
    "boundary_change": N_("Major change of name or boundary, no longer meeting the standard"),
})
