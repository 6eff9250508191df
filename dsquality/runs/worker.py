"""What a batch worker process needs, imported once by multiprocessing's fork server (see executors).

Importing papermill (nbformat, jsonschema, jupyter_client) takes about a second of CPU; done here,
in the fork server, each worker forked from it starts with it imported instead of paying again.
"""

import papermill
import papermill.engines  # noqa: F401

import dsquality.runs.batch
import dsquality.runs.execute
import dsquality.runs.kernels  # noqa: F401
