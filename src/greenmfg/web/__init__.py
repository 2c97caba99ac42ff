"""The web edge: FastAPI application, REST API plumbing, server-rendered pages, layout, static
assets and languages (zh-CN first, English second)."""
