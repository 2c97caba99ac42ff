"""Carbon-peak pathways (issue #18): decomposition, scenarios and uncertainty, least-cost measures.

Each part lives in its own module (``scenarios``: LEAP-style scenarios with Monte Carlo); formulas
are in ``greenmfg.calc``. See ``README.md``.
"""
