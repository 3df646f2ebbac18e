"""The subset of CQL (Contextual Query Language) the embedded FOLIO face answers.

FOLIO's collection endpoints take ``?query=`` in CQL, e.g. ``(userId==abc and status.name==Open)``
or ``barcode=="3000000001"``. This module parses the part of CQL that circulation clients use
and turns it into a predicate over a record's JSON:

- relations ``==`` and ``=`` (the whole value matches, ignoring case, with an unmasked ``*``
  as a wildcard, as FOLIO's CQL-to-PostgreSQL layer does: ``status=="Open*"``) and ``<>``;
- ``and``, ``or``, ``not`` (as CQL's binary "and not"), parentheses;
- quoted values with CQL's backslash masking (``\\"`` ``\\*`` ``\\\\``), or bare words;
- ``cql.allRecords=1``; a trailing ``sortby ...`` is accepted and ignored.

Anything else (other relations, modifiers, proximity) is a :class:`CqlError`, which the server
answers with 400 as FOLIO does: a client that relies on more than this subset is told so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CqlError", "Predicate", "parse_cql", "required_value"]

Predicate = Callable[[Mapping[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<rel>==|<>|=) |
        (?P<quoted>"(?:[^"\\]|\\.)*") |
        (?P<word>[^\s()=<>"]+)
    )""",
    re.VERBOSE,
)


_BOOLEANS = ("and", "or", "not")


class CqlError(ValueError):
    """The query is not CQL, or uses CQL this server does not answer."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # open close rel quoted word
    text: str


@dataclass(frozen=True, slots=True)
class _Term:
    index: str
    relation: str
    value: str  # unmasked, with wildcards kept as "*" (a masked star is "\x00")


def _tokens(query: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(query):
        if query[position:].strip() == "":
            break
        match = _TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise CqlError(f"cannot read the query at {query[position : position + 20]!r}")
        kind = match.lastgroup or ""
        found.append(_Token(kind, match.group(kind)))
        position = match.end()
    return found


def _unmask(text: str) -> str:
    """CQL masking: ``\\x`` is a literal x; an unmasked ``*`` stays a wildcard."""
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            out.append("\x00" if escaped == "*" else escaped)
        else:
            out.append(char)
    return "".join(out)


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise CqlError("the query ends too early")
        self.position += 1
        return token

    def boolean(self) -> str | None:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() in _BOOLEANS:
            return token.text.lower()
        return None

    def expression(self) -> Predicate:
        left = self.term()
        while (operator := self.boolean()) is not None:
            self.take()
            right = self.term()
            left = _combine(operator, left, right)
        return left

    def term(self) -> Predicate:
        token = self.take()
        if token.kind == "open":
            inner = self.expression()
            if self.take().kind != "close":
                raise CqlError("a parenthesis is not closed")
            return inner
        if token.kind not in ("word", "quoted"):
            raise CqlError(f"an index name was expected, not {token.text!r}")
        relation = self.take()
        if relation.kind != "rel":
            raise CqlError(f"only ==, = and <> are answered here, not {relation.text!r}")
        value = self.take()
        if value.kind not in ("word", "quoted"):
            raise CqlError(f"a value was expected after {token.text}{relation.text}")
        raw = value.text[1:-1] if value.kind == "quoted" else value.text
        return _predicate(_Term(token.text, relation.text, _unmask(raw)))


def _combine(operator: str, left: Predicate, right: Predicate) -> Predicate:
    if operator == "and":
        return lambda record: left(record) and right(record)
    if operator == "or":
        return lambda record: left(record) or right(record)
    return lambda record: left(record) and not right(record)


def _lookup(record: Mapping[str, Any], index: str) -> list[str]:
    """Every value at a dotted path (lists are searched element by element)."""
    values: list[Any] = [record]
    for part in index.split("."):
        found: list[Any] = []
        for value in values:
            if isinstance(value, Mapping) and part in value:
                item = value[part]
                found.extend(item if isinstance(item, list) else [item])
        values = found
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values if v is not None]


def _wildcard(pattern: str) -> re.Pattern[str]:
    parts = (re.escape(piece.replace("\x00", "*")) for piece in pattern.split("*"))
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def _predicate(term: _Term) -> Predicate:
    if term.index.lower() == "cql.allrecords":
        return lambda record: True
    pattern = _wildcard(term.value)
    if term.relation == "<>":
        return lambda record: not any(pattern.fullmatch(v) for v in _lookup(record, term.index))
    return lambda record: any(pattern.fullmatch(v) for v in _lookup(record, term.index))


def parse_cql(query: str | None) -> Predicate:
    """A predicate for ``query``; an empty query matches every record."""
    if query is None or not query.strip():
        return lambda record: True
    text = re.split(r"\s+sortby\s+", query.strip(), maxsplit=1, flags=re.IGNORECASE)[0]
    parser = _Parser(_tokens(text))
    predicate = parser.expression()
    left_over = parser.peek()
    if left_over is not None:
        raise CqlError(f"unexpected {left_over.text!r} in the query")
    return predicate


def required_value(query: str | None, index: str) -> str | None:
    """The value ``index`` must equal for any record to match ``query``, when the query is a
    plain conjunction containing ``index==value`` (lets the server look up by key instead of
    scanning); None when the query does not pin ``index`` down that way."""
    if not query:
        return None
    text = re.split(r"\s+sortby\s+", query.strip(), maxsplit=1, flags=re.IGNORECASE)[0]
    try:
        tokens = _tokens(text)
    except CqlError:
        return None
    if any(t.kind == "word" and t.text.lower() in ("or", "not") for t in tokens):
        return None
    for name, relation, value in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if name.text != index or relation.kind != "rel" or relation.text != "==":
            continue
        if value.kind not in ("word", "quoted"):
            continue
        raw = value.text[1:-1] if value.kind == "quoted" else value.text
        unmasked = _unmask(raw)
        if "*" in unmasked:
            return None
        return unmasked.replace("\x00", "*")
    return None
