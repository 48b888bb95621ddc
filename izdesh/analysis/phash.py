"""Perceptual hashes of photos: a 256-bit difference hash (dHash, 16x16) with Pillow alone.

dHash: grey, resize to 17x16, one bit per pixel, "brighter than its right neighbour". Re-encoding,
resizing, a light blur or a few pixels of crop move up to ~20 bits of 256; different pictures of the
synthetic leak (drawn from one template) stay 37+ bits apart. The classic 64-bit dHash was too coarse
for them (two different people 6 bits apart).
The ingester may call ``dhash`` and put the hex in ``source_file.meta["dhash256"]``; ``verify`` uses
it when present and computes it from the leak folder otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NEAR_BITS = 24  # Hamming distance at or under which two photos are reported as near duplicates


def dhash(image: Any, size: int = 16) -> str:
    """size*size/4 hex digits for a PIL image or a path."""
    from PIL import Image

    if isinstance(image, (str, Path)):
        with Image.open(image) as im:
            return dhash(im.copy(), size)
    g = image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    px = list(g.getdata())
    bits = 0
    for row in range(size):
        base = row * (size + 1)
        for col in range(size):
            bits = (bits << 1) | (px[base + col] > px[base + col + 1])
    return f"{bits:0{size * size // 4}x}"


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_pairs(hashes: dict[Any, str], max_bits: int = NEAR_BITS) -> list[tuple[Any, Any, int]]:
    """Pairs of keys whose hashes are within ``max_bits``: all pairs for a few thousand photos, else a
    multi-index (split the bits in max_bits + 1 bands: two hashes within max_bits agree on one)."""
    items = [(k, int(h, 16)) for k, h in hashes.items() if h]
    out: list[tuple[Any, Any, int]] = []
    if len(items) <= 3000:  # 4.5M xor+popcount: about a second
        for i in range(len(items)):
            ki, hi = items[i]
            for j in range(i + 1, len(items)):
                d = (hi ^ items[j][1]).bit_count()
                if d <= max_bits:
                    out.append((ki, items[j][0], d))
        return out
    # Pigeonhole over (max_bits + 1) bands: two hashes within max_bits agree exactly on one band.
    nbits = max(len(h) for h in hashes.values() if h) * 4
    bands = max_bits + 1
    width = nbits // bands
    seen: set[tuple[int, int]] = set()
    for b in range(bands):
        shift = b * width
        mask = (1 << width) - 1 if b < bands - 1 else (1 << (nbits - shift)) - 1
        buckets: dict[int, list[int]] = {}
        for idx, (_, h) in enumerate(items):
            buckets.setdefault((h >> shift) & mask, []).append(idx)
        for group in buckets.values():
            for x in range(len(group)):
                for y in range(x + 1, len(group)):
                    i, j = group[x], group[y]
                    if (i, j) in seen:
                        continue
                    seen.add((i, j))
                    d = (items[i][1] ^ items[j][1]).bit_count()
                    if d <= max_bits:
                        out.append((items[i][0], items[j][0], d))
    return out
