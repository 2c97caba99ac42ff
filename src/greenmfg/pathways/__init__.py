"""Carbon-peak pathways (issue #18): decomposition, scenarios, least-cost measures, uncertainty.

Domain services over the pure formulas of ``greenmfg.calc`` (``calc/macc.py`` …); see the README's
"Carbon-peak pathways" section. Modules: :mod:`greenmfg.pathways.macc` (measures library, marginal
abatement cost curve, least-cost portfolio and its allowance effect).
"""
