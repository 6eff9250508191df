"""Reading and writing quantities: memory sizes (``2GiB``), durations, counts (``1e6``)."""

from __future__ import annotations

import re

from dsquality.errors import ProfileError

__all__ = ["format_bytes", "format_seconds", "format_value", "parse_bytes", "parse_count", "parse_counts"]

_KIBI = 1024
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_BYTES = re.compile(r"\s*(?P<number>\d+(?:\.\d*)?(?:e\d+)?|\.\d+)\s*(?P<unit>[a-z]*)\s*", re.IGNORECASE)


def parse_bytes(text: str) -> int:
    """``"512MiB"`` → 536870912, ``"1.5GB"`` → 1500000000, ``"2048"`` → 2048 bytes.

    Units (any case): B, kB/MB/GB/TB (powers of 1000) and KiB/MiB/GiB/TiB (powers of 1024).

    Raises:
        ProfileError: Not a number with one of those units, or not positive.
    """
    match = _BYTES.fullmatch(text)
    unit = match.group("unit").lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ProfileError(
            f"memory size {text!r}",
            "expected a number and a unit",
            hint="Write e.g. 512MiB, 2GiB or 1.5GB (KiB/MiB/GiB are powers of 1024, kB/MB/GB of 1000).",
        )
    value = float(match.group("number")) * _UNITS[unit]
    if value < 1:
        raise ProfileError(f"memory size {text!r}", "must be at least one byte")
    return round(value)


def format_bytes(value: float) -> str:
    """``1536`` → ``1.5 KiB``: three significant figures and a binary unit."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < _KIBI or unit == "PiB":
            return f"{value:.0f} B" if unit == "B" else f"{value:.3g} {unit}"
        value /= _KIBI
    raise AssertionError  # pragma: no cover - the loop always returns


def format_seconds(value: float) -> str:
    """``0.00012`` → ``120 µs``, ``5400`` → ``1.5 h``: three significant figures and a fitting unit."""
    for limit, scale, unit in ((1e-6, 1e9, "ns"), (1e-3, 1e6, "µs"), (1.0, 1e3, "ms"), (60.0, 1.0, "s")):
        if value < limit:
            return f"{value * scale:.3g} {unit}"
    if value < 3600:  # noqa: PLR2004 - one hour
        return f"{value / 60:.3g} min"
    if value < 86400:  # noqa: PLR2004 - one day
        return f"{value / 3600:.3g} h"
    days = value / 86400
    return f"{days:.3g} days" if days < 1000 else f"{days:,.0f} days"  # noqa: PLR2004 - no exponent notation


def format_value(unit: str, value: float) -> str:
    """A measure's value for people: seconds for ``s`` units, bytes otherwise."""
    return format_seconds(value) if unit.startswith("s") else format_bytes(value)


def parse_count(text: str, subject: str) -> int:
    """A positive whole number: ``"8000"``, ``"1e6"``, ``"1_000_000"``.

    Raises:
        ProfileError: Not a whole number, or not positive; ``subject`` names the option.
    """
    try:
        value = float(text.strip())
    except ValueError:
        value = float("nan")
    if not value.is_integer() or value < 1:
        raise ProfileError(subject, f"expected a positive whole number, got {text!r}", hint="Write e.g. 8000 or 1e6.")
    return int(value)


def parse_counts(text: str, subject: str) -> tuple[int, ...]:
    """Comma-separated positive whole numbers: ``"1000,2000,4000"`` → ``(1000, 2000, 4000)``.

    Raises:
        ProfileError: An item is not a positive whole number; ``subject`` names the option.
    """
    return tuple(parse_count(item, subject) for item in text.split(",") if item.strip())
