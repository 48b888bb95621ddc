"""The one error a reader raises: it marks the file with a status and a reason, and the run goes on."""

from __future__ import annotations


class FileError(Exception):
    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status  # corrupt, encrypted, unsupported, empty, partial
        self.reason = reason
