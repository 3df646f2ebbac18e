"""Hypothesis strategies that build any valid message of the layout table."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from kiosk.sip2 import LAYOUTS, MESSAGE_CLASSES, TAGS, FixedField, Message

_ASCII_TEXT = st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="|")
# Nordic letters and friends that exist in every charset we test except ASCII
_LATIN1_TEXT = st.characters(
    codec="latin-1", min_codepoint=0x20, exclude_characters="|\x7f", exclude_categories=("Cc",)
)

dates = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2099, 12, 30)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    ),
)


def fixed_value(spec: FixedField) -> st.SearchStrategy[object]:
    if spec.kind in ("yn", "01"):
        return st.booleans()
    if spec.kind == "ynu":
        return st.sampled_from([True, False, None])
    if spec.kind == "date":
        return dates
    if spec.kind == "int":
        return st.one_of(st.none(), st.integers(0, 10**spec.width - 1))
    return st.text(_ASCII_TEXT, min_size=spec.width, max_size=spec.width)


def field_values(tag: str, text: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    size = (0, 3) if tag in TAGS and TAGS[tag].repeatable else (1, 1)
    width = TAGS[tag].width if tag in TAGS else None
    value = st.text(_ASCII_TEXT if width else text, min_size=width or 0, max_size=width or 40)
    return st.lists(value, min_size=size[0], max_size=size[1])


@st.composite
def messages(draw: st.DrawFn, code: str, *, latin1: bool = True) -> Message:
    """Any valid message with layout ``code``, unknown vendor tags included."""
    layout = LAYOUTS[code]
    text = _LATIN1_TEXT if latin1 else _ASCII_TEXT
    values = {spec.name: draw(fixed_value(spec)) for spec in layout.fixed}
    fields: dict[str, list[str]] = {tag: draw(field_values(tag, text)) for tag in layout.required}
    chosen = (
        draw(st.lists(st.sampled_from(layout.optional), unique=True)) if layout.optional else []
    )
    for tag in chosen:
        values_ = draw(field_values(tag, text))
        if values_:
            fields[tag] = values_
    for tag in draw(st.lists(st.sampled_from(["XI", "PA", "ZZ", "PI"]), unique=True, max_size=2)):
        fields[tag] = draw(st.lists(st.text(text, max_size=20), min_size=1, max_size=2))
    return MESSAGE_CLASSES[code](fields=fields, **values)
