"""Pure calculations: relational plans and formulas. No I/O, no database, no web."""
