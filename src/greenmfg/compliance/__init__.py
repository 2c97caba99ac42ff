"""Benchmark classes in the platform (enterprises) and the compliance view (regulators).

See :mod:`greenmfg.compliance.service` for where the numbers come from, and ``README.md``.
"""
