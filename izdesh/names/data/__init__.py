"""Name-transcription knowledge kept as data (TOML/TSV), read by the modules of izdesh.names."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


@cache
def load_toml(name: str) -> dict:
    with open(HERE / name, "rb") as fh:
        return tomllib.load(fh)


def load_tsv(name: str) -> list[list[str]]:
    """Rows of a TSV file, comments (#) and blank lines skipped."""
    rows = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append([c.strip() for c in line.split("\t")])
    return rows
