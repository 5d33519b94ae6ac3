"""landbridge.schemas.clean_text refuses exactly the characters it promises (the regex it uses against the rule it
states: Unicode category Cc, line breaks and tabs outside multiline fields, bidirectional controls in one-line
fields), naming the first one."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.schemas import BIDI_CONTROLS, LINE_BREAKS, clean_text


def reference(v: str, multiline: bool) -> str | None:
    """The rule, character by character: the message for the first refused character, or None."""
    for ch in v:
        if multiline and ch in LINE_BREAKS:
            continue
        if unicodedata.category(ch) == "Cc":
            what = "line breaks or tabs" if ch in LINE_BREAKS else "control characters"
            return f"text must not contain {what} (found U+{ord(ch):04X})"
        if not multiline and ch in BIDI_CONTROLS:
            return f"text must not contain bidirectional control characters (found U+{ord(ch):04X})"
    return None


tricky = st.sampled_from(sorted({chr(c) for c in range(0x00, 0xA1)} | BIDI_CONTROLS | {"\u2028", "é", "重"}))
texts = st.lists(tricky | st.characters(exclude_categories=["Cs"]), max_size=12).map("".join)


@given(texts, st.booleans())
def test_clean_text_refuses_what_the_rule_refuses(v, multiline):
    expected = reference(v, multiline) if "\x00" not in v else "text must not contain NUL characters"
    if expected is None:
        assert clean_text(v, multiline) == v
    else:
        with pytest.raises(ValueError) as exc:
            clean_text(v, multiline)
        assert str(exc.value) == expected
