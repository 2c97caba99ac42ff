"""Files attached to a record of another domain (green-list applications; monthly filings later)."""
