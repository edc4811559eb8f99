"""vGALA (Han & Ansari): green-energy- and latency-aware user association, its iteration and baselines."""
