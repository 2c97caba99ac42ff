"""Monitoring: meter readings, data quality, energy baselines and M&V savings."""
