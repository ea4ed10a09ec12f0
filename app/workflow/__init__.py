"""Case state machines: pure transition tables and the function that applies them (no I/O)."""
