"""Carbon-peak pathways: decomposition of past change (LMDI), scenarios and least-cost measures."""
