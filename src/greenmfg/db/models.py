"""Every mapped model, imported in one place so the metadata (and Alembic) sees them all."""

from greenmfg.accounting.models import (
    ActivityRecord,
    CalculationRun,
    DataVersion,
    FacilityResult,
    ImportBatch,
    LineTemplate,
    ResultProduct,
)
from greenmfg.audit.models import AuditEvent, AuditHead
from greenmfg.auth.models import ApiToken, LoginAttempt, Membership, User, WebSession
from greenmfg.capacity.models import ReplacementPlan, RetiredCapacity
from greenmfg.compliance.stored import (
    BenchmarkRunRecord,
    StoredBenchmark,
    StoredPlantYear,
    StoredWorks,
)
from greenmfg.db.base import Base
from greenmfg.diagnosis.models import DiagnosisAlert, DiagnosisNotes, Equipment
from greenmfg.greenfactory.models import GreenEvaluation
from greenmfg.greenlist.models import (
    EnterpriseOutput,
    GreenApplication,
    GreenApplicationEvent,
    GreenRecheck,
    RegionOutput,
)
from greenmfg.monitoring.baseline_models import EnergyBaseline, SavingsReport
from greenmfg.monitoring.models import (
    DeadLetter,
    MeterDevice,
    MeterReading,
    MeterReplacement,
    MeterRollup,
    MeterSetting,
)
from greenmfg.orgs.models import (
    EvaluatorAssignment,
    Facility,
    Jurisdiction,
    Meter,
    Organisation,
    Park,
    Product,
)

__all__ = [
    "ActivityRecord", "ApiToken", "AuditEvent", "AuditHead", "Base", "BenchmarkRunRecord", "CalculationRun", "DataVersion", "DeadLetter",
    "DiagnosisAlert", "DiagnosisNotes", "EnergyBaseline", "EnterpriseOutput", "Equipment", "EvaluatorAssignment",
    "Facility", "FacilityResult", "GreenApplication", "GreenApplicationEvent", "GreenEvaluation", "GreenRecheck",
    "ImportBatch", "Jurisdiction", "LineTemplate", "LoginAttempt", "Membership", "Meter", "MeterDevice", "MeterReading",
    "MeterReplacement", "MeterRollup", "MeterSetting", "Organisation", "Park", "Product", "RegionOutput",
    "ReplacementPlan", "ResultProduct", "RetiredCapacity", "SavingsReport", "StoredBenchmark", "StoredPlantYear", "StoredWorks",
    "User",
    "WebSession",
]
