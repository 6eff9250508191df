"""The code model of a notebook, built once and shared by lint, runs and promote.

:func:`~dsquality.analysis.model.build_model` parses every code cell (IPython-aware, see
:mod:`~dsquality.analysis.ipython`) and gathers its facts in one walk (see
:mod:`~dsquality.analysis.facts`).
"""
