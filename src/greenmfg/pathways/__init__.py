"""Carbon-peak pathways (issue #18): decomposition of past change (LMDI), scenarios with Monte Carlo
uncertainty, least-cost measures.

Each part lives in its own module (``decomposition``, ``scenarios``, ``macc``); formulas are in
``greenmfg.calc``. See ``README.md``.
"""
