import pytest

from dsquality.errors import ProfileError
from dsquality.profiling.units import format_bytes, format_seconds, parse_bytes, parse_count, parse_counts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512MiB", 512 * 1024**2),
        ("2GiB", 2 * 1024**3),
        ("1.5GB", 1_500_000_000),
        ("2gib", 2 * 1024**3),
        ("100 MB", 100_000_000),
        ("64kB", 64_000),
        ("64KiB", 65_536),
        ("2048", 2048),
        ("2048B", 2048),
        ("1e9", 1_000_000_000),
        ("0.5TiB", 1024**4 // 2),
    ],
)
def test_parse_bytes(text, expected) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "GiB", "2 gigabytes", "2XB", "-1GB", "0", "1..5GB", "2G"])
def test_parse_bytes_rejects_with_an_example(text) -> None:
    with pytest.raises(ProfileError, match="memory size") as info:
        parse_bytes(text)
    assert "2GiB" in str(info.value) or "at least one byte" in str(info.value)


def test_format_bytes_and_seconds() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(2 * 1024**3) == "2 GiB"
    assert format_seconds(0.00012) == "120 µs"
    assert format_seconds(5e-8) == "50 ns"
    assert format_seconds(0.25) == "250 ms"
    assert format_seconds(12.5) == "12.5 s"
    assert format_seconds(5400) == "1.5 h"
    assert format_seconds(90) == "1.5 min"
    assert format_seconds(3 * 86400) == "3 days"
    assert format_seconds(49_400 * 86400) == "49,400 days"


def test_parse_count_and_counts() -> None:
    assert parse_count("1e6", "--target-n") == 1_000_000
    assert parse_count(" 8000 ", "--at-n") == 8000
    assert parse_count("1_000", "--at-n") == 1000
    assert parse_counts("1000,2000, 4000", "--sizes") == (1000, 2000, 4000)
    assert parse_counts("20", "--features") == (20,)


@pytest.mark.parametrize("text", ["0", "-5", "1.5", "abc", "inf", "nan", ""])
def test_parse_count_names_the_option(text) -> None:
    with pytest.raises(ProfileError, match=r"^--sizes: expected a positive whole number"):
        parse_count(text, "--sizes")
