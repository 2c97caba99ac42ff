"""The web edge: FastAPI application, REST API plumbing, server-rendered pages."""
