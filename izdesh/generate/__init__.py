"""The synthetic leak: a realistic fake of the Xinjiang Police Files with its ground truth.

    from izdesh.generate import generate
    summary = generate(Path("leak"), persons=3000, seed=0)   # or full=True

Modules: model (shared dataclasses), names (name book), population (people, families, statuses),
messy (how IDs and names get written), tables (spreadsheets, CSV), documents/pdfs/slides/photos
(other kinds), broken (damaged files), leak (the orchestrator), truth (DIR/truth/*.jsonl).
No real personal data is used anywhere.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate"]


def __getattr__(name: str) -> Any:  # lazy: importing the package stays cheap
    if name == "generate":
        from .leak import generate

        return generate
    raise AttributeError(name)
