"""Subcommands of `civicgrid evaluation` (management/commands/evaluation.py)."""
