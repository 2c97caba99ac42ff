"""Energy monitoring: meter telemetry ingest (MQTT, HTTP, CSV), storage, rollups and queries; data quality,
energy baselines and M&V savings.

See ``README.md`` beside this file for the payload schema, time conventions and retention.
"""
