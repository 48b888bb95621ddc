"""Fuzzing targets (atheris, libFuzzer) for the file readers of izdesh/ingest.

    python fuzz/fuzz_readers.py TARGET [libFuzzer options] [fuzz/corpus/DIR ...]
    python fuzz/fuzz_readers.py spreadsheet -max_total_time=600 -timeout=20 -rss_limit_mb=2048 fuzz/corpus/spreadsheet
    python fuzz/run.py --seconds 600      # every target in turn, with its seed corpus

Targets: detect, spreadsheet, delimited, docx, doc, pdf, odt, pptx, ppt, html, rtf, email, msg,
image, archive. OCR is off while fuzzing (it would take seconds per input); the image target covers
decoding and EXIF.

What counts as a finding: a reader may refuse a file only with FileError (status + reason: the
pipeline marks the file and goes on). Any other exception is a reader bug: the pipeline still
catches it (the file becomes "corrupt" with the Python error as its reason), so a finding is a wrong
or unhelpful file status, not a stopped ingest. Those are written once per (type, place) to
fuzz/findings/<target>.txt and the run goes on; FUZZ_STRICT=1 makes them crashes. Hangs (-timeout)
and memory blow-ups (-rss_limit_mb) always stop the run: those would stall or kill an ingest worker.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

import atheris

os.environ["IZDESH_OCR"] = "0"
with atheris.instrument_imports(include=["izdesh"]):
    from izdesh.ingest import archives, detect, documents, extract, tables
    from izdesh.ingest.errors import FileError

HERE = Path(__file__).resolve().parent
TMP = Path(tempfile.mkdtemp(prefix="izdesh-fuzz-"))
STRICT = os.environ.get("FUZZ_STRICT") == "1"
SMALL = archives.Limits(max_member=8 << 20, max_total=32 << 20, max_ratio=200, max_members=2000)


def _archive(p: Path) -> None:
    kind = detect.detect(p)
    if kind in archives.ARCHIVE_KINDS:
        dest = Path(tempfile.mkdtemp(dir=TMP))
        try:
            archives.expand(p, kind, dest, SMALL)
        finally:
            import shutil

            shutil.rmtree(dest, ignore_errors=True)


def _image(p: Path) -> None:
    kind = detect.detect(p)
    extract._image(extract.FileResult(p.name, "", p.stat().st_size, kind), p)


TARGETS = {
    "detect": (".bin", lambda p: detect.detect(p)),
    "spreadsheet": (".xlsx", lambda p: [s.rows for s in tables.read_spreadsheet(p)]),
    "delimited": (".csv", lambda p: [s.rows for s in tables.read_delimited(p)]),
    "docx": (".docx", documents.read_docx),
    "doc": (".doc", documents.read_doc),
    "pdf": (".pdf", documents.read_pdf),
    "odt": (".odt", documents.read_odt),
    "pptx": (".pptx", documents.read_pptx),
    "ppt": (".ppt", documents.read_ppt),
    "html": (".html", documents.read_html),
    "rtf": (".rtf", documents.read_rtf),
    "email": (".eml", lambda p: (documents.read_email(p, "eml"), documents.read_email(p, "emlx"))),
    "msg": (".msg", documents.read_msg),
    "image": (".img", _image),
    "archive": (".zip", _archive),
}

_seen: set[tuple[str, str]] = set()


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} TARGET [libFuzzer args]; targets: {', '.join(TARGETS)}")
    name = sys.argv.pop(1)
    suffix, read = TARGETS[name]
    path = TMP / f"input{suffix}"
    findings = HERE / "findings" / f"{name}.txt"

    def one(data: bytes) -> None:
        path.write_bytes(data)
        try:
            read(path)
        except FileError:
            pass
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:
            if STRICT:
                raise
            tb = traceback.extract_tb(exc.__traceback__)
            where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb) if "izdesh" in f.filename), "?")
            key = (type(exc).__name__, where)
            if key not in _seen:
                _seen.add(key)
                findings.parent.mkdir(exist_ok=True)
                with findings.open("a", encoding="utf-8") as fh:
                    fh.write(f"{key[0]} at {where} (innermost {Path(tb[-1].filename).name}:{tb[-1].lineno}): {str(exc)[:200]!r}\n")

    atheris.Setup(sys.argv, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
