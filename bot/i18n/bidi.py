"""Right-to-left care: isolate inserted values and give each line the reader's direction.

In Arabic, Persian or Sorani text, a Latin name or a number at the start of a line would flip
the whole line to left-to-right, and a name next to punctuation can swap places with it.
Unicode isolates (FSI ... PDI) keep each inserted value in its own direction, and a leading
RIGHT-TO-LEFT MARK keeps a line right-to-left when it starts with a left-to-right word.
"""

from __future__ import annotations

import re
import unicodedata

LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE: for commands such as /menu
FSI = "\u2068"  # FIRST STRONG ISOLATE: direction taken from the value itself
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
RLM = "\u200f"  # RIGHT-TO-LEFT MARK

_STRONG_LTR = {"L"}
_STRONG_RTL = {"R", "AL"}


def isolate(value: object) -> str:
    """Wrap a value so it cannot reorder the text around it."""
    return f"{FSI}{value}{PDI}"


def first_strong_direction(line: str) -> str | None:
    """'ltr', 'rtl' or None, skipping anything inside isolates as the bidi algorithm does."""
    depth = 0
    for char in line:
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(char)
            if kind in _STRONG_LTR:
                return "ltr"
            if kind in _STRONG_RTL:
                return "rtl"
    return None


_COMMAND = re.compile(r"(?<![\w/\u2066])/[a-z][a-z0-9_]*")


def orient_rtl(text: str) -> str:
    """Make a right-to-left message read right: /commands kept whole, every line right-to-left.

    Without the isolate, "/menu" inside Arabic text shows as "menu/"; without the mark, a
    line that starts with a Latin word is laid out left-to-right.
    """
    text = _COMMAND.sub(lambda match: f"{LRI}{match.group(0)}{PDI}", text)
    lines = text.split("\n")
    return "\n".join(
        line if not line or first_strong_direction(line) == "rtl" else RLM + line for line in lines
    )
