"""The national carbon market (China ETS) for steel, cement and electrolytic aluminium (issue #16).

Monthly filing (月度信息化存证): :mod:`greenmfg.ets.filings` (covered companies, covered emissions of
a month, filings, amendments, deadlines, the regulators' overview), :mod:`greenmfg.ets.models`,
the API (:mod:`greenmfg.ets.api`) and pages (:mod:`greenmfg.ets.pages`).
"""
