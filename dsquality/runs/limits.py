"""Sizes of memory limits: ``512M``, ``2G``, ``1.5GiB`` to bytes and back (powers of 1024)."""

from __future__ import annotations

import re

__all__ = ["MIN_MEMORY_LIMIT", "format_bytes", "parse_bytes"]

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[KMGT]?)(?:I?B)?", re.IGNORECASE)
# A kernel (an interpreter, ipykernel, zmq threads) does not start in less address space than this.
MIN_MEMORY_LIMIT = 256 * 1024**2


def parse_bytes(text: str) -> int:
    """``"512M"`` -> 536870912; units K, M, G, T (optionally ``B``/``iB``) are powers of 1024; bare numbers are bytes.

    Raises:
        ValueError: not a size, or less than :data:`MIN_MEMORY_LIMIT`.
    """
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a size: {text!r} (write e.g. 512M or 2G)")
    size = int(float(match["number"]) * _UNITS[match["unit"].upper()])
    if size < MIN_MEMORY_LIMIT:
        raise ValueError(f"{text} is too small for a kernel to start; give at least {format_bytes(MIN_MEMORY_LIMIT)}")
    return size


def format_bytes(size: int) -> str:
    """``536870912`` -> ``"512 MiB"``; the largest unit that keeps a whole or one-decimal number."""
    for unit, factor in reversed(_UNITS.items()):
        if size >= factor and unit:
            value = size / factor
            shown = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
            return f"{shown} {unit}iB"
    return f"{size} B"
