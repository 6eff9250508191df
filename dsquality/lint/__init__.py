"""Notebook linting: dsquality's own rules plus ruff and mypy, one report, one cell numbering."""
