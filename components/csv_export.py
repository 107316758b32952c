"""CSV downloads that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[dict], *, on_progress: Callable[[int], None] | None = None,
           every: int = 2000) -> str:
    """Rows of dicts to CSV text, reporting progress every `every` rows."""
    out = io.StringIO()
    writer = None
    for n, row in enumerate(rows, start=1):
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
        if on_progress and n % every == 0:
            on_progress(n)
    return out.getvalue()
