"""The models registry: the tables of every domain's declared models modules, and nothing else."""

from __future__ import annotations

from greenmfg.db.models import MODEL_MODULES, Base

#: the tables of the models before the domains declared their models modules
TABLES = {
    "activity_records", "api_tokens", "attachments", "audit_events", "audit_head", "benchmark_plant_years",
    "benchmark_results", "benchmark_runs", "benchmark_works", "calculation_runs", "capacity_plans",
    "cbam_calculations", "cbam_communications", "cbam_customers", "cbam_footprints", "cbam_products", "cbam_shares",
    "capacity_retired_items", "data_versions", "diagnosis_alerts", "diagnosis_equipment", "diagnosis_notes",
    "energy_baselines", "enterprise_output_values", "enterprise_targets", "ets_coverage", "ets_declarations",
    "ets_figures", "ets_filings",
    "ets_months", "evaluator_assignments", "facilities",
    "facility_result_products", "facility_results", "green_evaluations", "green_list_applications",
    "green_list_events", "green_list_rechecks", "import_batches", "jurisdictions", "line_templates",
    "login_attempts", "memberships", "meter_dead_letters", "meter_devices", "meter_readings",
    "meter_replacements", "meter_rollups", "meter_settings", "meters", "notification_preferences",
    "notification_webhooks", "notifications", "organisations", "parks", "products",
    "region_output_values", "savings_reports", "users", "web_sessions",
}


def test_the_metadata_holds_the_tables_of_before() -> None:
    assert set(Base.metadata.tables) == TABLES


def test_each_declared_models_module_maps_tables() -> None:
    modules = {mapper.class_.__module__ for mapper in Base.registry.mappers}
    assert modules == set(MODEL_MODULES)
    # attachments, notifications and targets added (issue #15 items 6, 7 and 8); the carbon market's filings (#16); the exporters' CBAM data (#17)
    assert len(MODEL_MODULES) == 16
