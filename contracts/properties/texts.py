"""Text as real CRM data has it: lengths at the usual column limits, and characters beyond ASCII.

Lengths are UTF-16 code units, as .NET strings and SQL Server's nvarchar count them and as a
server's `FieldProperties.<Field>.FieldLength` means them: an emoji outside the Basic Multilingual
Plane counts 2. Values of a given length are cut from a multilingual filler (Norwegian, CJK, emoji,
combining marks, `&` and quotes), so a server that counts bytes, or stores text in a narrower
encoding, shows it at every length. Values longer than a limit stay in the Basic Multilingual Plane
without combining marks, so that they are too long however a server counts.

Every sample is text XML 1.0 can carry unless `xml_safe` says otherwise (a Word soft line break,
U+000B, travels only as JSON and form data); a literal CR survives XML only as `&#13;`.
"""

from __future__ import annotations

import re

COMMON_LENGTHS = (0, 1, 50, 254, 255, 256, 2000, 4000)
# Exact-length values are sent up to this many units; a longer FieldLength (a memo field) is
# judged up to here and the report says so.
LONGEST = 10_000
FILLER = (
    "Åse Bjørnstad & Søn 👍🏽 株式会社 Bjo\u0308rn \u2013 “Blåbærsyltetøy” fra Ærøy · "
    "スーパーオフィス 客户 · 👨\u200d👩\u200d👧 🇳🇴 · Ame\u0301lie · 'R&D' <b> · "
)
# No astral characters and no combining marks: one unit, one code point and one character each.
PLAIN_FILLER = "Øvre Ærøy kai 7 \u2013 Tromsø · 関係 顧客 · naïve façade · "
SAMPLES: tuple[tuple[str, str], ...] = (
    ("one character", "Ø"),
    ("Norwegian", "Blåbærsyltetøy fra Ærøy \u2013 Øystein Åsmund Lærum, ÆØÅ æøå"),
    ("German and French", "Größe, Straße, Œuvre, façade, naïve, Ærø"),
    ("CJK", "株式会社スーパーオフィス 客户关系 고객 관계"),
    ("emoji", "Partner 🤝 since 2019 👍🏽 👨\u200d👩\u200d👧\u200d👦 🇳🇴"),
    ("combining marks", "Bjo\u0308rn Ame\u0301lie Nun\u0303ez A\u030asa"),
    ("right-to-left", "שלום עולם مرحبا 123"),
    ("leading and trailing whitespace", "  two spaces before, a tab and a space after\t "),
    ("line breaks", "first line\nsecond line\r\nthird line\r\n"),
    ("XML-special characters", '<Comment a="x">R&D\'s "best" & <b>brightest</b></Comment> ]]> &amp;'),
    ("non-breaking and ideographic spaces", "Pris:\u00a0100\u00a0kr\u3000全角\u202fnarrow"),
    ("JSON-special characters", '{"Comment": null} \\ / \\u0000 \\"'),
    ("Word soft line break", "line one\x0bline two"),
)
# XML 1.0's Char production: tab, LF, CR and everything from space up, except surrogates and
# U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (an astral character counts 2)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def cut_utf16(text: str, units: int) -> str:
    """The longest prefix of `text` of at most `units` UTF-16 code units (never half a pair)."""
    if units <= 0:
        return ""
    out, used = [], 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > units:
            break
        out.append(char)
        used += size
    return "".join(out)


def text_of_length(units: int, filler: str = FILLER) -> str:
    """Realistic text of exactly `units` UTF-16 code units (padded with `.` where a pair would split)."""
    if units <= 0:
        return ""
    repeated = filler * (units // len(filler) + 2)
    text = cut_utf16(repeated, units)
    return text + "." * (units - utf16_len(text))


def beyond(limit: int) -> str:
    """One unit longer than `limit` however it is counted (UTF-16, code points, characters), and
    not a value `text_of_length(limit)` starts with (so a cut one shows as cut, not as unchanged)."""
    return text_of_length(limit + 1, "Ny: " + PLAIN_FILLER)


def xml_safe(text: str) -> bool:
    """Whether XML 1.0 can carry the text at all (no control characters but tab, LF and CR)."""
    return _NOT_XML.search(text) is None


def ladder(limit: int) -> tuple[int, ...]:
    """The common lengths up to `limit`, and `limit` itself (capped at LONGEST)."""
    top = min(limit, LONGEST)
    return tuple(sorted({length for length in COMMON_LENGTHS if length <= top} | {top}))


def samples(limit: int, *, for_xml: bool = False) -> tuple[tuple[str, str], ...]:
    """The named samples that fit in `limit` units (only those XML can carry, if asked)."""
    return tuple(
        (label, text)
        for label, text in SAMPLES
        if utf16_len(text) <= limit and (xml_safe(text) or not for_xml)
    )


def realistic_texts(limit: int) -> tuple[str, ...]:
    """Values for the properties to draw: the XML-safe samples and a value at each common length
    up to `limit` (empty text included)."""
    return (*(text for _, text in samples(limit, for_xml=True)), *map(text_of_length, ladder(limit)))


def first_difference(sent: str | None, seen: str | None) -> str:
    """Where two texts part, e.g. `at unit 5: sent 'æ' (U+00E6), stored 'Ã' (U+00C3)`."""
    sent, seen = sent or "", seen or ""
    index = next(
        (i for i, (a, b) in enumerate(zip(sent, seen, strict=False)) if a != b), min(len(sent), len(seen))
    )
    where = utf16_len(sent[:index])
    lengths = f"{_count(utf16_len(sent))} sent, {utf16_len(seen)} stored"
    if index >= len(sent) and index >= len(seen):
        return f"same text ({lengths})"
    return f"at unit {where}: sent {_char(sent, index)}, stored {_char(seen, index)} ({lengths})"


def _count(units: int) -> str:
    return f"{units} unit" + ("" if units == 1 else "s")


def _char(text: str, index: int) -> str:
    if index >= len(text):
        return "nothing more"
    char = text[index]
    return f"{char!r} (U+{ord(char):04X})"
