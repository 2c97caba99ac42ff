"""Regional view for regulators: totals, trends, enterprise rankings and rising intensities."""
