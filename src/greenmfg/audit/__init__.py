"""Append-only, hash-chained audit log of logins, imports, edits, recalculations and role changes."""
