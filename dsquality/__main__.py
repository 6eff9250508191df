"""``python -m dsquality`` runs the ``dsq`` command line."""

from dsquality.cli.main import entry

entry()
