"""Green-manufacturing evaluations: green factory (GB/T 36132), green park and green supply chain."""
