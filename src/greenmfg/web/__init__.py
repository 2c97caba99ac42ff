"""The web edge: pages, layout, static assets and languages (zh-CN first, English second)."""
