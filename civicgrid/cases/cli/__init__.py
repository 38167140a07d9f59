"""Subcommands of `civicgrid cases` (management/commands/cases.py)."""
