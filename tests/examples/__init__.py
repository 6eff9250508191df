"""Tests promoted from the example notebooks by ``dsq promote`` (generated files)."""
