"""Energy-saving diagnosis: equipment register, minimum-efficiency check, alerts, report (issue #5 item 6)."""
