"""Chinese OCR of scanned pages and images with RapidOCR (ONNX models shipped in the wheel, no
download). One engine per process, loaded on first use. Output is grouped into visual lines, top
down, each line's boxes left to right joined by a space (table rows keep their cells apart).

Switch OCR off with IZDESH_OCR=0 (quick runs), or defer it with IZDESH_OCR=defer (see
deferred()); IZDESH_OCR_BUDGET sets the seconds one file may
spend in OCR (default 120); IZDESH_OCR_THREADS the ONNX threads per process (the ingest pool sets
it so its workers share the cores); IZDESH_OCR_REC_HEIGHT the line height for recognition (48; 32
costs ~0.6x the CPU but lost ~1 point of person recall on the synthetic scans).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

_ENGINE: Any = None
_LOCK = threading.Lock()
MAX_SIDE = 3000  # pixels: larger images are scaled down before OCR


# Measured on the synthetic leak's scans (bench/ingest.py --format pdf-scan), one thread:
# - no angle classifier: pages are upright (a turned scan is a rare, separate problem), 0.2 s/page;
# - recognition one line at a time: on one CPU thread a batch of 6 costs 1.4-1.9x the sum of its
#   lines (padding to the widest, and worse cache use), same text;
# - detection on the page scaled to at most DET_SIDE pixels (text stays 15+ px high at 150 dpi).
SETTINGS: dict[str, Any] = {
    "use_cls": False,
    "rec_batch_num": 1,
    "det_limit_type": "max",
    "det_limit_side_len": 960,
}
REC_HEIGHT = 48  # pixels a text line is scaled to for recognition (the model's training height)


def rec_height() -> int:
    """IZDESH_OCR_REC_HEIGHT: a lower height (32) costs (h/48)^2 of the recognition time."""
    try:
        return max(16, min(64, int(os.environ.get("IZDESH_OCR_REC_HEIGHT", "") or REC_HEIGHT)))
    except ValueError:
        return REC_HEIGHT


def _setting() -> str:
    return os.environ.get("IZDESH_OCR", "1").strip().lower()


def enabled() -> bool:
    """OCR in this run: IZDESH_OCR unset, 1 or defer (0, off, false, no: off)."""
    return _setting() not in ("0", "off", "false", "no")


QUEUED = "OCR deferred:"  # how the reason of a file queued for OCR begins (the queue is these files)


def deferred() -> bool:
    """IZDESH_OCR=defer: files that need OCR and nothing else (image-only PDFs, pictures without an
    ID in their name, not in an archive) are stored at once, marked queued, and a later run with
    OCR on reads them (izdesh.ingest.ocr_queue); other files are OCR'd as they are read. OCR costs
    ~3 CPU-s a page: an ingest of the --full leak without it takes minutes, with it hours."""
    return _setting() == "defer"


def budget_seconds() -> float:
    try:
        return float(os.environ.get("IZDESH_OCR_BUDGET", "") or 120)
    except ValueError:
        return 120.0


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except Exception:
        return False
    return True


def engine() -> Any:
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            import logging

            from rapidocr_onnxruntime import RapidOCR

            kw: dict[str, Any] = dict(SETTINGS)
            kw["rec_img_shape"] = [3, rec_height(), 320]
            threads = os.environ.get("IZDESH_OCR_THREADS", "").strip()
            if threads.isdigit() and int(threads) > 0:  # pool workers: share the cores, don't oversubscribe
                kw.update(intra_op_num_threads=int(threads), inter_op_num_threads=1)
            _ENGINE = RapidOCR(**kw)
            # rapidocr logs every call at INFO level; keep the run's output clean.
            for name in ("RapidOCR", "rapidocr_onnxruntime", "root"):
                logging.getLogger(name).setLevel(logging.WARNING)
        return _ENGINE


@dataclass(slots=True)
class OcrLine:
    text: str
    score: float  # the lowest box confidence on the line
    box: tuple[int, int, int, int]  # left, top, right, bottom in pixels


def _prepare(img: Any) -> Any:
    import numpy as np
    from PIL import Image

    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    if max(img.size) > MAX_SIDE:
        k = MAX_SIDE / max(img.size)
        img = img.resize((max(1, int(img.width * k)), max(1, int(img.height * k))), Image.LANCZOS)
    if img.mode == "L":
        img = img.convert("RGB")
    return np.asarray(img)[:, :, ::-1].copy()  # RGB -> BGR, as OpenCV-based engines expect


def ocr_image(img: Any, min_score: float = 0.5) -> list[OcrLine]:
    """Text lines of one PIL image, top to bottom."""
    result, _elapse = engine()(_prepare(img))
    boxes = []
    slopes = []
    for box, text, score in result or []:
        if float(score) < min_score or not str(text).strip():
            continue
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        boxes.append((min(xs), min(ys), max(xs), max(ys), str(text), float(score)))
        (x0, y0), (x1, y1) = box[0][:2], box[1][:2]
        if x1 - x0 > 3 * (max(ys) - min(ys)) and x1 > x0:
            slopes.append((y1 - y0) / (x1 - x0))
    if slopes:  # a scan is rarely straight: level the boxes before grouping them into lines
        slopes.sort()
        k = slopes[len(slopes) // 2]
        if abs(k) > 0.002:
            boxes = [(l, t - k * (l + r) / 2, r, b - k * (l + r) / 2, tx, sc) for l, t, r, b, tx, sc in boxes]
    return group_lines(boxes)


def group_lines(boxes: list[tuple[float, float, float, float, str, float]]) -> list[OcrLine]:
    """Boxes (left, top, right, bottom, text, score) into lines: a box joins the line whose vertical
    centre lies within half its height."""
    boxes = sorted(boxes, key=lambda b: (b[1] + b[3]) / 2)
    lines: list[list[tuple[float, float, float, float, str, float]]] = []
    for b in boxes:
        yc, h = (b[1] + b[3]) / 2, max(1.0, b[3] - b[1])
        if lines:
            last = lines[-1]
            lyc = sum((x[1] + x[3]) / 2 for x in last) / len(last)
            lh = sum(x[3] - x[1] for x in last) / len(last)
            if abs(yc - lyc) < 0.5 * min(h, lh):
                last.append(b)
                continue
        lines.append([b])
    out = []
    for line in lines:
        line.sort(key=lambda x: x[0])
        out.append(
            OcrLine(
                " ".join(x[4].strip() for x in line),
                min(x[5] for x in line),
                (int(min(x[0] for x in line)), int(min(x[1] for x in line)),
                 int(max(x[2] for x in line)), int(max(x[3] for x in line))),  # fmt: skip
            )
        )
    return out


class Budget:
    """Seconds left for OCR in one file."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = budget_seconds() if seconds is None else seconds
        self.start = time.monotonic()

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    def spent(self) -> float:
        return time.monotonic() - self.start
