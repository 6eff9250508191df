"""Modules promoted from the example notebooks in ``notebooks/`` by ``dsq promote``.

Each module here is generated: edit its notebook (named in the module's docstring) and run
``dsq promote NOTEBOOK`` again; ``dsq promote --check`` fails when a module and its notebook differ.
"""
