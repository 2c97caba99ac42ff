"""Enterprise targets and KPIs: yearly targets for energy, emissions and intensities, tracked against the results."""
