"""Variable fields: every known two-letter tag with its snake_case name.

Names follow the 3M SIP2 specification (rev 2.00/2.12) plus the extensions Nordic ACSs send
(3M/Koha check-in routing CT/CV/CS/CR/CY/DA, patron extras PB/PC). A tag not listed here is still
decoded and kept: it just has no readable name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tag:
    """One variable-field tag: its two letters, its Python name and how it behaves on the wire."""

    tag: str
    name: str
    repeatable: bool = False
    secret: bool = False  # never shown in traces or errors (PINs, passwords)
    personal: bool = False  # identifies a person: shortened or hidden in traces
    free_text: bool = False  # text for people; `|` and line breaks are escaped, not refused
    width: int | None = None  # the spec fixes the length of a few variable fields


_TAGS = (
    Tag("AA", "patron_identifier", personal=True),
    Tag("AB", "item_identifier"),
    Tag("AC", "terminal_password", secret=True),
    Tag("AD", "patron_password", secret=True),
    Tag("AE", "personal_name", personal=True, free_text=True),
    Tag("AF", "screen_message", repeatable=True, free_text=True),
    Tag("AG", "print_line", repeatable=True, free_text=True),
    Tag("AH", "due_date"),
    Tag("AJ", "title_identifier", free_text=True),
    Tag("AL", "blocked_card_msg", free_text=True),
    Tag("AM", "library_name", free_text=True),
    Tag("AN", "terminal_location", free_text=True),
    Tag("AO", "institution_id"),
    Tag("AP", "current_location"),
    Tag("AQ", "permanent_location"),
    Tag("AS", "hold_items", repeatable=True),
    Tag("AT", "overdue_items", repeatable=True),
    Tag("AU", "charged_items", repeatable=True),
    Tag("AV", "fine_items", repeatable=True),
    Tag("BD", "home_address", personal=True, free_text=True),
    Tag("BE", "e_mail_address", personal=True),
    Tag("BF", "home_phone_number", personal=True),
    Tag("BG", "owner"),
    Tag("BH", "currency_type", width=3),
    Tag("BI", "cancel", width=1),
    Tag("BK", "transaction_id"),
    Tag("BL", "valid_patron", width=1),
    Tag("BM", "renewed_items", repeatable=True),
    Tag("BN", "unrenewed_items", repeatable=True),
    Tag("BO", "fee_acknowledged", width=1),
    Tag("BP", "start_item"),
    Tag("BQ", "end_item"),
    Tag("BR", "queue_position"),
    Tag("BS", "pickup_location"),
    Tag("BT", "fee_type", width=2),
    Tag("BU", "recall_items", repeatable=True),
    Tag("BV", "fee_amount"),
    Tag("BW", "expiration_date"),
    Tag("BX", "supported_messages", width=16),
    Tag("BY", "hold_type", width=1),
    Tag("BZ", "hold_items_limit", width=4),
    Tag("CA", "overdue_items_limit", width=4),
    Tag("CB", "charged_items_limit", width=4),
    Tag("CC", "fee_limit"),
    Tag("CD", "unavailable_hold_items", repeatable=True),
    Tag("CF", "hold_queue_length"),
    Tag("CG", "fee_identifier"),
    Tag("CH", "item_properties", free_text=True),
    Tag("CI", "security_inhibit"),
    Tag("CJ", "recall_date"),
    Tag("CK", "media_type", width=3),
    Tag("CL", "sort_bin"),
    Tag("CM", "hold_pickup_date"),
    Tag("CN", "login_user_id", secret=True),
    Tag("CO", "login_password", secret=True),
    Tag("CP", "location_code"),
    Tag("CQ", "valid_patron_password", width=1),
    Tag("CR", "collection_code"),
    Tag("CS", "call_number", free_text=True),
    Tag("CT", "destination_location"),
    Tag("CV", "alert_type", width=2),
    Tag("CY", "hold_patron_id", personal=True),
    Tag("DA", "hold_patron_name", personal=True, free_text=True),
    Tag("PB", "birth_date", personal=True),
    Tag("PC", "patron_class"),
)

#: Every known tag by its two letters.
TAGS: dict[str, Tag] = {t.tag: t for t in _TAGS}
#: Tag letters by Python name (plus a few readable aliases).
TAG_BY_NAME: dict[str, str] = {t.name: t.tag for t in _TAGS}
TAG_BY_NAME.update(title="AJ", sequence_number="AY")

REPEATABLE_TAGS = frozenset(t.tag for t in _TAGS if t.repeatable)
SECRET_TAGS = frozenset(t.tag for t in _TAGS if t.secret)
PERSONAL_TAGS = frozenset(t.tag for t in _TAGS if t.personal)
FREE_TEXT_TAGS = frozenset(t.tag for t in _TAGS if t.free_text)
#: Variable fields whose length the spec fixes (Y/N flags, counts, codes).
FIELD_WIDTHS: dict[str, int] = {t.tag: t.width for t in _TAGS if t.width is not None}


#: Media type codes (CK, spec 2.00) and the names the kiosk uses for them once past the SIP2
#: adapter (statistics, sorting rules, the library-system port): the same words FOLIO's material
#: types use where they overlap ("book"), so a consortium's figures read alike on either back end.
MEDIA_TYPES: dict[str, str] = {
    "000": "other",
    "001": "book",
    "002": "magazine",
    "003": "bound-journal",
    "004": "audio-tape",
    "005": "video-tape",
    "006": "cd",
    "007": "diskette",
    "008": "book-with-diskette",
    "009": "book-with-cd",
    "010": "book-with-audio-tape",
}


#: Language codes (the fixed field of patron status and information, spec 2.00) as ISO 639-2
#: codes. The spec's table has none for North Sami, Somali or Ukrainian: they travel as 000.
#: 012 is "Norwegian" and 024 "United Kingdom" (English).
LANGUAGES: dict[str, str] = {
    "001": "eng",
    "002": "fre",
    "003": "ger",
    "004": "ita",
    "005": "dut",
    "006": "swe",
    "007": "fin",
    "008": "spa",
    "009": "dan",
    "010": "por",
    "012": "nor",
    "013": "heb",
    "014": "jpn",
    "015": "rus",
    "016": "ara",
    "017": "pol",
    "018": "gre",
    "019": "chi",
    "020": "kor",
    "022": "tam",
    "024": "eng",
    "025": "ice",
}
