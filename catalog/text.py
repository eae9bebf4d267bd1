"""Text primitives for Vietnamese: one spelling per word (NFC), folding for accent-free matching, byte sizes.

Why one module: a word typed on a Windows keyboard (decomposed tones) and the same word from a spreadsheet
(precomposed) must compare equal everywhere, and "dong da" must find "Đống Đa" by the same rule in search,
filters and the CKAN API. Each of these rules used to be written out where it was needed; now they live here.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def nfc(text: str) -> str:
    """Unicode NFC: the one stored spelling of a Vietnamese word (ASCII is returned as it is, cheaply)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def nfc_value(value: Any) -> Any:
    """NFC for every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_value(v) for v in value]
    if isinstance(value, dict):
        return {nfc_value(k): nfc_value(v) for k, v in value.items()}
    return value


def fold(text: str) -> str:
    """Lowercase, strip accents and tone marks, and map đ to d (it has no decomposition to strip)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d")


def human_bytes(size: int | float) -> str:
    """A byte count for people: ``512 B``, ``1.5 KB``, ``20 MB`` (powers of 1024, one decimal below 10)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024 or unit == "GB":
            break
        value /= 1024
    if unit == "B":
        return f"{int(value)} B"
    return f"{value:.1f} {unit}" if abs(value) < 10 else f"{value:.0f} {unit}"
