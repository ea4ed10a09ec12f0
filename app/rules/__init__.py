"""Eligibility rules: policy files and the engine that evaluates them (pure, no I/O)."""
