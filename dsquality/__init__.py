"""dsquality: a quality toolkit for notebook-based data science.

Import what notebooks need from here: ``from dsquality import record``. The helper modules
:mod:`dsquality.data` and :mod:`dsquality.model` are imported on their own, since they pull in
numpy, pandas and scikit-learn.
"""

from dsquality.results import record

__version__ = "0.1.0"

__all__ = ["__version__", "record"]
