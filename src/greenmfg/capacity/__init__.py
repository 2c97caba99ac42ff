"""Capacity replacement (产能置换): cited ratios, the calculator and the replacement-plan ledger.

See ``README.md`` beside this file.
"""
