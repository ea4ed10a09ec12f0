"""Simulator of the outside systems behind 免提交 verification; see ``simulator.app``."""
