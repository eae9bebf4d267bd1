"""How text becomes search words: lowercase NFC runs of letters and digits (snake_case and slugs split).

Why its own module: the documents, the query and the staff's vocabulary file (synonyms, boilerplate, places) must
cut text into words the same way, and the vocabulary is read by the documents module.
"""

from __future__ import annotations

import re
import unicodedata

WORD_RE = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lowercase NFC words; snake_case and slugs split into their parts."""
    return WORD_RE.findall(unicodedata.normalize("NFC", text).lower())
