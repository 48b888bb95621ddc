"""Photos of the synthetic leak: mugshots and pictures without people.

A mugshot is a deliberately cartoonish drawing (flat shapes: head, hair, eyes as dots, shirt), in
front of a height chart, sometimes holding a number placard. It is clearly not a photograph of
anyone, yet varies enough (skin, hair, age, clothes, background, framing, camera) for perceptual
hashing and photo-to-person linking to have something to do.

File names follow the real leak: ``<18-digit ID>_<YYYYMMDDhhmmss>.jpg``. EXIF carries the camera's
Make/Model and DateTimeOriginal, which usually equals the time in the name. A few cameras are off
by some seconds, or set to Xinjiang time (UTC+6, two hours behind Beijing) or to UTC: that anomaly
is returned in ``Mention.id_damage`` as ``"exif_time_offset:<+/-seconds>s"`` (EXIF minus name).
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from pathlib import Path

from .fonts import draw_text
from .model import Mention, Person

# key -> (Make, Model, Software) as the devices write them
CAMERAS: dict[str, tuple[str, str, str]] = {
    "canon_600d": ("Canon", "Canon EOS 600D", "Firmware Version 1.0.2"),
    "canon_700d": ("Canon", "Canon EOS 700D", "Firmware Version 1.1.4"),
    "canon_ixus": ("Canon", "Canon IXUS 285 HS", ""),
    "nikon_d7100": ("NIKON CORPORATION", "NIKON D7100", "Ver.1.03"),
    "nikon_d3200": ("NIKON CORPORATION", "NIKON D3200", "Ver.1.02"),
    "hik_face": ("HIKVISION", "DS-K1T671M", "V3.2.0 build 180127"),
    "hik_ipc": ("HIKVISION", "DS-2CD2T45FWD-I5", "V5.5.0 build 170725"),
}
MUGSHOT_CAMERAS = ("canon_600d", "canon_700d", "nikon_d7100", "nikon_d3200", "hik_face")
PLAIN_CAMERAS = ("canon_ixus", "hik_ipc", "canon_600d", "nikon_d3200")

EXIF_SECONDS_RATE = 0.04  # DateTimeOriginal a few seconds off the name's time
EXIF_ZONE_RATE = 0.015  # camera clock on Xinjiang time or UTC

SKINS = ((232, 196, 166), (214, 172, 138), (198, 150, 116), (176, 128, 96), (224, 184, 150), (160, 114, 86))
HAIRS = ((20, 18, 16), (38, 28, 22), (58, 40, 28), (90, 70, 50), (120, 116, 110), (190, 188, 184))
CLOTHES = ((30, 40, 70), (70, 70, 72), (150, 30, 30), (40, 80, 50), (200, 200, 196), (90, 60, 40), (230, 120, 20))
BACKDROPS = ((210, 214, 218), (238, 238, 236), (66, 135, 210), (196, 206, 188), (224, 216, 196))


def pick_camera(rng: random.Random, keys: tuple[str, ...] = MUGSHOT_CAMERAS) -> str:
    return rng.choice(keys)


def _camera(camera, rng: random.Random, keys: tuple[str, ...]) -> tuple[str, str, str]:
    if camera is None:
        return CAMERAS[rng.choice(keys)]
    if isinstance(camera, str):
        return CAMERAS[camera]
    make, model, *rest = camera
    return make, model, rest[0] if rest else ""


def _exif(make: str, model: str, software: str, when: datetime, rng: random.Random, size: tuple[int, int]) -> bytes:
    import piexif

    stamp = when.strftime("%Y:%m:%d %H:%M:%S").encode()
    zeroth = {
        piexif.ImageIFD.Make: make.encode(),
        piexif.ImageIFD.Model: model.encode(),
        piexif.ImageIFD.Orientation: 1,
        piexif.ImageIFD.DateTime: stamp,
        piexif.ImageIFD.XResolution: (72, 1),
        piexif.ImageIFD.YResolution: (72, 1),
        piexif.ImageIFD.ResolutionUnit: 2,
    }
    if software:
        zeroth[piexif.ImageIFD.Software] = software.encode()
    exif = {
        piexif.ExifIFD.DateTimeOriginal: stamp,
        piexif.ExifIFD.DateTimeDigitized: stamp,
        piexif.ExifIFD.PixelXDimension: size[0],
        piexif.ExifIFD.PixelYDimension: size[1],
    }
    if make in ("Canon", "NIKON CORPORATION"):
        exif[piexif.ExifIFD.ExposureTime] = (1, rng.choice((30, 60, 80, 125)))
        exif[piexif.ExifIFD.FNumber] = (rng.choice((35, 40, 56, 80)), 10)
        exif[piexif.ExifIFD.ISOSpeedRatings] = rng.choice((100, 200, 400, 800))
        exif[piexif.ExifIFD.FocalLength] = (rng.choice((18, 24, 35, 50)), 1)
        exif[piexif.ExifIFD.Flash] = rng.choice((0, 16, 9))
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": {}, "1st": {}, "thumbnail": None})


def _shade(c: tuple[int, int, int], f: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(v * f))) for v in c)  # type: ignore[return-value]


def _mugshot_image(p: Person, taken: datetime, rng: random.Random):
    from PIL import Image, ImageDraw, ImageFilter

    W, H = 480, 640
    bg = _shade(rng.choice(BACKDROPS), rng.uniform(0.85, 1.05))
    img = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(img)
    # Height chart: a line every 2 cm, labelled every 10 cm.
    if rng.random() < 0.8:
        chart = _shade(bg, 0.55)
        step = rng.randrange(11, 15)
        top_cm = rng.choice((200, 190, 195))
        y0 = rng.randrange(-step, step)
        for i in range(0, H // step + 2):
            y = y0 + i * step
            cm = top_cm - 2 * i
            long = cm % 10 == 0
            d.line((0, y, 40 if long else 20, y), fill=chart, width=2 if long else 1)
            d.line((W - (40 if long else 20), y, W, y), fill=chart, width=2 if long else 1)
            if long:
                draw_text(d, 44, y + 6, str(cm), 16, chart)
    age = taken.year - p.birth_date.year
    skin = _shade(rng.choice(SKINS), rng.uniform(0.92, 1.06))
    hair = HAIRS[min(5, rng.randrange(0, 3) + (3 if age > 55 else 0) + (1 if age > 65 else 0))]
    cx = W // 2 + rng.randrange(-30, 31)
    cy = rng.randrange(250, 300)
    hw = rng.randrange(78, 98)  # half width of the head
    hh = int(hw * rng.uniform(1.22, 1.38))
    # Shoulders and clothes.
    cloth = rng.choice(CLOTHES)
    sh_y = cy + hh + rng.randrange(20, 45)
    d.ellipse((cx - 200, sh_y, cx + 200, sh_y + 360), fill=cloth)
    d.polygon([(cx - 30, sh_y + 4), (cx, sh_y + 60), (cx + 30, sh_y + 4)], fill=_shade(cloth, 0.7))
    d.rectangle((cx - hw // 2, cy + hh - 30, cx + hw // 2, sh_y + 15), fill=_shade(skin, 0.9))  # neck
    female = p.sex == "female"
    if female:  # long hair behind the head
        d.rounded_rectangle((cx - hw - 14, cy - hh + 10, cx + hw + 14, cy + hh + rng.randrange(20, 80)), 40, fill=hair)
    # Ears, head.
    for side in (-1, 1):
        ex = cx + side * hw
        d.ellipse((ex - 14, cy - 18, ex + 14, cy + 24), fill=_shade(skin, 0.95))
    d.ellipse((cx - hw, cy - hh, cx + hw, cy + hh), fill=skin)
    # Hair on top.
    if age > 60 and not female and rng.random() < 0.4:
        d.chord((cx - hw, cy - hh, cx + hw, cy + hh), 200, 340, fill=hair)  # receding
    else:
        d.chord((cx - hw - 4, cy - hh - 8, cx + hw + 4, cy + hh // 2), 180, 360, fill=hair)
        if rng.random() < 0.5:
            d.pieslice((cx - hw, cy - hh - 4, cx + hw // 3, cy - hh // 3), 90, 300, fill=hair)
    # Eyes, brows, nose, mouth.
    ey = cy - hh // 8 + rng.randrange(-6, 7)
    ew = rng.randrange(10, 16)
    sep = int(hw * rng.uniform(0.38, 0.5))
    for side in (-1, 1):
        ex = cx + side * sep
        d.ellipse((ex - ew, ey - 6, ex + ew, ey + 6), fill=(245, 245, 240))
        d.ellipse((ex - 5, ey - 5, ex + 5, ey + 5), fill=(30, 22, 18))
        d.line((ex - ew - 2, ey - 20 + rng.randrange(-3, 4), ex + ew + 2, ey - 22), fill=hair, width=rng.randrange(3, 7))
    ny = ey + int(hh * rng.uniform(0.35, 0.45))
    d.line((cx, ey + 10, cx - 6, ny), fill=_shade(skin, 0.7), width=3)
    d.line((cx - 6, ny, cx + 8, ny), fill=_shade(skin, 0.7), width=3)
    my = ny + rng.randrange(22, 34)
    mw = rng.randrange(18, 30)
    d.line((cx - mw, my, cx + mw, my + rng.randrange(-3, 4)), fill=_shade(skin, 0.55), width=4)
    if not female and age > 30 and rng.random() < 0.35:  # moustache or beard
        d.chord((cx - hw + 10, my - 20, cx + hw - 10, cy + hh + 6), 0, 180, fill=_shade(hair, 1.1))
        d.line((cx - mw, my, cx + mw, my), fill=_shade(skin, 0.5), width=4)
    # Number placard on the chest.
    if rng.random() < 0.55:
        pw, ph = 190, 64
        px, py = cx - pw // 2, min(H - ph - 10, sh_y + 70)
        d.rectangle((px, py, px + pw, py + ph), fill=(246, 246, 240), outline=(20, 20, 20), width=2)
        draw_text(d, px + pw / 2, py + 26, f"{taken:%Y}-{rng.randrange(1, 9999):04d}", 22, (10, 10, 10), "c")
        draw_text(d, px + pw / 2, py + 54, f"{taken:%m.%d}", 20, (10, 10, 10), "c")
    if rng.random() < 0.6:
        img = img.filter(ImageFilter.BoxBlur(1))
    return img


def write_mugshot(
    dir: str | Path,
    p: Person,
    taken: datetime,
    rng: random.Random,
    *,
    camera: str | tuple[str, ...] | None = None,
    rel_dir: str | None = None,
) -> tuple[Path, Mention]:
    """Write ``<dir>/<ID>_<YYYYMMDDhhmmss>.jpg``; return its path and a kind "photo" Mention.

    ``camera``: a key of ``CAMERAS``, a (Make, Model[, Software]) tuple, or None for a random
    mugshot camera. ``rel_dir``: the directory relative to the leak root for ``Mention.file``.
    """
    taken = taken.replace(microsecond=0)
    name = f"{p.id_number}_{taken:%Y%m%d%H%M%S}.jpg"
    path = Path(dir) / name
    make, model, software = _camera(camera, rng, MUGSHOT_CAMERAS)
    img = _mugshot_image(p, taken, rng)
    damage: list[str] = []
    exif_time = taken
    r = rng.random()
    if r < EXIF_SECONDS_RATE:
        off = rng.choice((-1, 1)) * rng.randrange(1, 60)
        exif_time = taken + timedelta(seconds=off)
    elif r < EXIF_SECONDS_RATE + EXIF_ZONE_RATE:
        off = rng.choice((-2 * 3600, -8 * 3600))  # Xinjiang time, UTC
        exif_time = taken + timedelta(seconds=off)
    if exif_time != taken:
        damage.append(f"exif_time_offset:{int((exif_time - taken).total_seconds()):+d}s")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rng.randrange(78, 92), exif=_exif(make, model, software, exif_time, rng, img.size))
    path.write_bytes(buf.getvalue())
    rel = f"{rel_dir.rstrip('/')}/{name}" if rel_dir else name
    return path, Mention(p.pid, rel, "photo", {}, p.id_number, None, damage)


# --- photos without people ---------------------------------------------------------------------


def _room(d, W, H, rng, corridor: bool) -> None:
    wall = _shade(rng.choice(((220, 218, 210), (200, 210, 200), (230, 226, 214), (190, 196, 204))), rng.uniform(0.8, 1.05))
    floor = _shade(rng.choice(((150, 140, 130), (120, 120, 124), (170, 160, 140))), rng.uniform(0.8, 1.1))
    d.rectangle((0, 0, W, H), fill=wall)
    vx, vy = W // 2 + rng.randrange(-60, 61), H // 2 + rng.randrange(-40, 41)
    iw, ih = (W // 8, H // 6) if corridor else (W // 3, H // 3)
    inner = (vx - iw, vy - ih, vx + iw, vy + ih)
    d.polygon([(0, H), (W, H), (inner[2], inner[3]), (inner[0], inner[3])], fill=floor)
    d.polygon([(0, 0), (W, 0), (inner[2], inner[1]), (inner[0], inner[1])], fill=_shade(wall, 1.08))
    d.polygon([(0, 0), (inner[0], inner[1]), (inner[0], inner[3]), (0, H)], fill=_shade(wall, 0.9))
    d.polygon([(W, 0), (inner[2], inner[1]), (inner[2], inner[3]), (W, H)], fill=_shade(wall, 0.85))
    d.rectangle(inner, fill=_shade(wall, 0.95))
    door = _shade(rng.choice(((90, 110, 140), (120, 90, 60), (140, 140, 140))), 1.0)
    if corridor:
        for k in range(rng.randrange(2, 5)):  # doors on both side walls
            t = 0.15 + k * 0.2
            for side in (0, 1):
                x0 = int(t * inner[0]) if side == 0 else int(W - t * (W - inner[2]))
                x1 = int((t + 0.1) * inner[0]) if side == 0 else int(W - (t + 0.1) * (W - inner[2]))
                top = int(vy - (vy - 0) * (1 - t) * 0.6)
                d.polygon([(x0, top), (x1, top + 10), (x1, H - int((H - vy) * t) - 20), (x0, H - int((H - vy) * t))], fill=door)
        for k in range(3):  # ceiling lights
            t = 0.3 + 0.2 * k
            lx, ly = vx, int(vy * (1 - t))
            d.rectangle((lx - 40 * (1 - t) - 6, ly - 3, lx + 40 * (1 - t) + 6, ly + 3), fill=(250, 250, 240))
    else:
        dx = rng.randrange(inner[0] + 10, max(inner[0] + 11, inner[2] - 70))
        d.rectangle((dx, inner[1] + 30, dx + 60, inner[3]), fill=door)
        if rng.random() < 0.6:  # barred window
            wx = rng.randrange(inner[0] + 5, max(inner[0] + 6, inner[2] - 90))
            d.rectangle((wx, inner[1] + 15, wx + 80, inner[1] + 70), fill=(200, 220, 235))
            for bx in range(wx, wx + 81, 10):
                d.line((bx, inner[1] + 15, bx, inner[1] + 70), fill=(60, 60, 60), width=3)
        if rng.random() < 0.7:  # bunk beds or benches
            for k in range(rng.randrange(1, 4)):
                y = inner[3] + 20 + k * 40
                d.rectangle((30 + k * 20, y, W // 2 - 30, y + 22), fill=(110, 80, 50))


def _fence(d, W, H, rng) -> None:
    sky = _shade(rng.choice(((170, 200, 230), (200, 205, 210), (140, 170, 210))), rng.uniform(0.9, 1.05))
    ground = _shade(rng.choice(((170, 150, 110), (150, 140, 120), (190, 180, 160))), rng.uniform(0.9, 1.05))
    hz = rng.randrange(H // 3, H // 2)
    d.rectangle((0, 0, W, hz), fill=sky)
    d.rectangle((0, hz, W, H), fill=ground)
    wall = (200, 196, 186)
    d.rectangle((0, hz - 60, W, hz + 10), fill=wall)
    if rng.random() < 0.7:  # watchtower
        tx = rng.randrange(40, W - 80)
        d.rectangle((tx + 15, hz - 170, tx + 45, hz - 60), fill=(170, 166, 160))
        d.rectangle((tx, hz - 200, tx + 60, hz - 165), fill=(150, 146, 140))
        d.polygon([(tx - 8, hz - 200), (tx + 30, hz - 225), (tx + 68, hz - 200)], fill=(120, 40, 30))
    post = (90, 90, 96)
    for x in range(rng.randrange(0, 40), W, rng.randrange(60, 110)):
        d.line((x, hz - 110, x, H), fill=post, width=5)
    mesh = (110, 110, 118)
    step = rng.randrange(14, 22)
    for x in range(-H, W, step):  # chain link: two diagonal families
        d.line((x, hz - 100, x + (H - hz + 100), H), fill=mesh, width=1)
        d.line((x + (H - hz + 100), hz - 100, x, H), fill=mesh, width=1)
    for k in range(3):  # razor wire
        y = hz - 108 + k * 3
        d.line((0, y, W, y), fill=(60, 60, 60), width=2)


def write_plain_photo(
    path: str | Path,
    rng: random.Random,
    *,
    taken: datetime | None = None,
    camera: str | tuple[str, ...] | None = None,
    exif_rate: float = 0.7,
) -> datetime | None:
    """A photo without people (room, corridor, fence). Format from the suffix (.png: never EXIF;
    .jpg: EXIF with probability ``exif_rate``). Returns the EXIF time written, or None."""
    from PIL import Image, ImageDraw, ImageFilter

    path = Path(path)
    W, H = rng.choice(((640, 480), (800, 600), (720, 540)))
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    scene = rng.choice(("room", "corridor", "fence"))
    if scene == "fence":
        _fence(d, W, H, rng)
    else:
        _room(d, W, H, rng, corridor=scene == "corridor")
    if rng.random() < 0.5:  # a CCTV-style time stamp
        stamp_time = taken or datetime(2017, 1, 1) + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        draw_text(d, 12, 28, f"{stamp_time:%Y-%m-%d %H:%M:%S}", 18, (255, 255, 255))
    img = img.filter(ImageFilter.BoxBlur(1))
    suffix = path.suffix.lower()
    if suffix == ".png":
        buf = io.BytesIO()
        img.save(buf, "PNG", optimize=False, compress_level=6)
        path.write_bytes(buf.getvalue())
        return None
    when = None
    kwargs = {}
    if rng.random() < exif_rate:
        when = (taken or datetime(2017, 1, 1) + timedelta(seconds=rng.randrange(2 * 365 * 86400))).replace(microsecond=0)
        make, model, software = _camera(camera, rng, PLAIN_CAMERAS)
        kwargs["exif"] = _exif(make, model, software, when, rng, img.size)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=rng.randrange(70, 90), **kwargs)
    path.write_bytes(buf.getvalue())
    return when
