"""Person ids are part of every store: a store written by an older version keeps them, so the
fast computation must give exactly what the definition gives."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random

from izdesh.identity.persons import person_key


def defined(secret: str, number: str) -> str:
    """The definition: the first 12 characters of the lower-case base32 of HMAC-SHA256."""
    return base64.b32encode(hmac.new(secret.encode(), number.encode(), hashlib.sha256).digest()).decode()[:12].lower()


def test_person_key_is_the_defined_hmac() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        secret = f"{rng.getrandbits(128):032x}"
        number = "".join(rng.choice("0123456789") for _ in range(17)) + rng.choice("0123456789X")
        assert person_key(secret, number) == defined(secret, number)
    assert person_key("s", "653121199001010010") != person_key("t", "653121199001010010")
