"""Platform administration: organisations, users and roles, API tokens, the audit log."""
