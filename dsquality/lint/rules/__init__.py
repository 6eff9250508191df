"""dsquality's notebook rules, one module per family.

DSQ1xx reproducibility, DSQ2xx structure, DSQ3xx parameters, DSQ4xx version-control hygiene.
"""
