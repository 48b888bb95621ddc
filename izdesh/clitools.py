"""What every command module shares: the --db help text, JSON lines out, opening the store."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import Engine

DB_HELP = "SQLite file path (the default store) or a postgresql:// URL."


def emit(obj: Any) -> None:
    """One JSON object a line, characters as they are (Chinese, Uyghur) rather than escapes."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def store(db: str, *, readonly: bool = True) -> Engine:
    """The store, or a clear error (not a traceback) when it is not there."""
    from izdesh.store.db import StoreError, open_engine

    try:
        return open_engine(db, readonly=readonly)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
