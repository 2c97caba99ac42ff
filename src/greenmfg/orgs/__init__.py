"""Organisations (enterprises, regulators, evaluators, the platform), their facilities and who may see what."""
