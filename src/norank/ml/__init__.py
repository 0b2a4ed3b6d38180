"""The metric-learning core: encoders, loss terms, miners, samplers and the trainer (paper §3)."""
