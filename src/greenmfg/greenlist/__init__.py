"""Green-manufacturing list: applications, evaluation, recommendation, publication, annual re-check; regional targets."""
