"""Users, roles, password login, web sessions with CSRF, personal API tokens, login throttling."""
