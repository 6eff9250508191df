"""Promotion: tagged notebook cells become a type-checked module and pytest tests (``dsq promote``).

The pipeline, one module per phase:

- :mod:`.markers`: which cells are promoted (tag ``export`` or a first line ``# dsq: export``;
  tag ``test``). lint's DSQ208/DSQ209 use the same definition.
- :mod:`.targets`: where they go (``--module``/``--tests``, remembered in the notebook metadata
  under ``dsquality.promote``, or ``[tool.dsquality.promote]``), and the module's import name.
- :mod:`.extract`: the exported and test cells, the notebook's import statements, who binds what.
- :mod:`.check`: the checks that make promotion safe (hidden notebook state, work at import time,
  tests that need unpromoted state), each mapped to notebook, cell and line; and ``--check``, the
  comparison of the files on disk with what the notebook generates now.
- :mod:`.generate`: the module and test sources, import-sorted and formatted by ruff,
  deterministic, with a header that names the notebook and hashes both sides.
- :mod:`.positions`: maps a line of a generated file back to the notebook cell and line.
- :mod:`.tools`: ruff through stdin (sort imports, format, check) with the target file's config.
- :mod:`.typecheck`: ruff and ``mypy --strict`` over the generated files, mapped back.
- :mod:`.api`: :func:`~dsquality.promote.api.promote_notebook`, which ties it together and
  writes atomically (unchanged files are not rewritten), and
  :func:`~dsquality.promote.api.check_notebooks` behind ``dsq promote --check``.

This package imports nothing at import time, so lint rules can import :mod:`.markers` cheaply.
"""
