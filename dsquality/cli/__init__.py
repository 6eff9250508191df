"""The ``dsq`` command line: one module per subcommand, dispatched by :mod:`dsquality.cli.main`.

Subcommand modules only parse arguments, call the library and present results; they import the
library lazily inside ``run`` so that ``dsq --help`` starts fast.
"""
