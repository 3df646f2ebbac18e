"""Generated from the SIP2 layout table by kiosk.sip2.stubgen: do not edit.

What the message classes of :mod:`kiosk.sip2.catalog` look like to a type checker.
"""

from collections.abc import Mapping
from datetime import datetime

from kiosk.sip2.messages import FieldValue, Message, Request, Response

class Login(Request[LoginResponse]):
    """SIP2 message 93 (Login)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        uid_algorithm: str = ...,
        pwd_algorithm: str = ...,
        login_user_id: FieldValue = ...,
        login_password: FieldValue = ...,
        location_code: FieldValue = ...,
    ) -> None: ...
    @property
    def uid_algorithm(self) -> str: ...
    @property
    def pwd_algorithm(self) -> str: ...
    @property
    def login_user_id(self) -> str | None: ...
    @property
    def login_password(self) -> str | None: ...
    @property
    def location_code(self) -> str | None: ...

class LoginResponse(Response):
    """SIP2 message 94 (LoginResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        ok: bool = ...,
    ) -> None: ...
    @property
    def ok(self) -> bool | None: ...

class SCStatus(Request[ACSStatus]):
    """SIP2 message 99 (SCStatus)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        status_code: str = ...,
        max_print_width: int | None = ...,
        protocol_version: str = ...,
    ) -> None: ...
    @property
    def status_code(self) -> str: ...
    @property
    def max_print_width(self) -> int | None: ...
    @property
    def protocol_version(self) -> str: ...

class ACSStatus(Response):
    """SIP2 message 98 (ACSStatus)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        online_status: bool = ...,
        checkin_ok: bool = ...,
        checkout_ok: bool = ...,
        acs_renewal_policy: bool = ...,
        status_update_ok: bool = ...,
        offline_ok: bool = ...,
        timeout_period: int | None = ...,
        retries_allowed: int | None = ...,
        date_time_sync: datetime | None = ...,
        protocol_version: str = ...,
        institution_id: FieldValue = ...,
        supported_messages: FieldValue = ...,
        library_name: FieldValue = ...,
        terminal_location: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def online_status(self) -> bool | None: ...
    @property
    def checkin_ok(self) -> bool | None: ...
    @property
    def checkout_ok(self) -> bool | None: ...
    @property
    def acs_renewal_policy(self) -> bool | None: ...
    @property
    def status_update_ok(self) -> bool | None: ...
    @property
    def offline_ok(self) -> bool | None: ...
    @property
    def timeout_period(self) -> int | None: ...
    @property
    def retries_allowed(self) -> int | None: ...
    @property
    def date_time_sync(self) -> datetime | None: ...
    @property
    def protocol_version(self) -> str: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def supported_messages(self) -> str | None: ...
    @property
    def library_name(self) -> str | None: ...
    @property
    def terminal_location(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class RequestACSResend(Request[Message]):
    """SIP2 message 97 (RequestACSResend)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
    ) -> None: ...

class RequestSCResend(Response):
    """SIP2 message 96 (RequestSCResend)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
    ) -> None: ...

class PatronInformation(Request[PatronInformationResponse]):
    """SIP2 message 63 (PatronInformation)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        language: str = ...,
        transaction_date: datetime | None = ...,
        summary: str = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
        patron_password: FieldValue = ...,
        start_item: FieldValue = ...,
        end_item: FieldValue = ...,
    ) -> None: ...
    @property
    def language(self) -> str: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...
    @property
    def start_item(self) -> str | None: ...
    @property
    def end_item(self) -> str | None: ...

class PatronInformationResponse(Response):
    """SIP2 message 64 (PatronInformationResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        patron_status: str = ...,
        language: str = ...,
        transaction_date: datetime | None = ...,
        hold_items_count: int | None = ...,
        overdue_items_count: int | None = ...,
        charged_items_count: int | None = ...,
        fine_items_count: int | None = ...,
        recall_items_count: int | None = ...,
        unavailable_holds_count: int | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        personal_name: FieldValue = ...,
        hold_items_limit: FieldValue = ...,
        overdue_items_limit: FieldValue = ...,
        charged_items_limit: FieldValue = ...,
        valid_patron: FieldValue = ...,
        valid_patron_password: FieldValue = ...,
        currency_type: FieldValue = ...,
        fee_amount: FieldValue = ...,
        fee_limit: FieldValue = ...,
        hold_items: FieldValue = ...,
        overdue_items: FieldValue = ...,
        charged_items: FieldValue = ...,
        fine_items: FieldValue = ...,
        recall_items: FieldValue = ...,
        unavailable_hold_items: FieldValue = ...,
        home_address: FieldValue = ...,
        e_mail_address: FieldValue = ...,
        home_phone_number: FieldValue = ...,
        birth_date: FieldValue = ...,
        patron_class: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def patron_status(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def hold_items_count(self) -> int | None: ...
    @property
    def overdue_items_count(self) -> int | None: ...
    @property
    def charged_items_count(self) -> int | None: ...
    @property
    def fine_items_count(self) -> int | None: ...
    @property
    def recall_items_count(self) -> int | None: ...
    @property
    def unavailable_holds_count(self) -> int | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def personal_name(self) -> str | None: ...
    @property
    def hold_items_limit(self) -> str | None: ...
    @property
    def overdue_items_limit(self) -> str | None: ...
    @property
    def charged_items_limit(self) -> str | None: ...
    @property
    def valid_patron(self) -> str | None: ...
    @property
    def valid_patron_password(self) -> str | None: ...
    @property
    def currency_type(self) -> str | None: ...
    @property
    def fee_amount(self) -> str | None: ...
    @property
    def fee_limit(self) -> str | None: ...
    @property
    def hold_items(self) -> list[str]: ...
    @property
    def overdue_items(self) -> list[str]: ...
    @property
    def charged_items(self) -> list[str]: ...
    @property
    def fine_items(self) -> list[str]: ...
    @property
    def recall_items(self) -> list[str]: ...
    @property
    def unavailable_hold_items(self) -> list[str]: ...
    @property
    def home_address(self) -> str | None: ...
    @property
    def e_mail_address(self) -> str | None: ...
    @property
    def home_phone_number(self) -> str | None: ...
    @property
    def birth_date(self) -> str | None: ...
    @property
    def patron_class(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class PatronStatusRequest(Request[PatronStatusResponse]):
    """SIP2 message 23 (PatronStatusRequest)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        language: str = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
        patron_password: FieldValue = ...,
    ) -> None: ...
    @property
    def language(self) -> str: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...

class PatronStatusResponse(Response):
    """SIP2 message 24 (PatronStatusResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        patron_status: str = ...,
        language: str = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        personal_name: FieldValue = ...,
        valid_patron: FieldValue = ...,
        valid_patron_password: FieldValue = ...,
        currency_type: FieldValue = ...,
        fee_amount: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def patron_status(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def personal_name(self) -> str | None: ...
    @property
    def valid_patron(self) -> str | None: ...
    @property
    def valid_patron_password(self) -> str | None: ...
    @property
    def currency_type(self) -> str | None: ...
    @property
    def fee_amount(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class PatronEnable(Request[PatronEnableResponse]):
    """SIP2 message 25 (PatronEnable)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
        patron_password: FieldValue = ...,
    ) -> None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...

class PatronEnableResponse(Response):
    """SIP2 message 26 (PatronEnableResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        patron_status: str = ...,
        language: str = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        personal_name: FieldValue = ...,
        valid_patron: FieldValue = ...,
        valid_patron_password: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def patron_status(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def personal_name(self) -> str | None: ...
    @property
    def valid_patron(self) -> str | None: ...
    @property
    def valid_patron_password(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class BlockPatron(Request[PatronStatusResponse]):
    """SIP2 message 01 (BlockPatron)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        card_retained: bool = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        blocked_card_msg: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
    ) -> None: ...
    @property
    def card_retained(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def blocked_card_msg(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...

class EndPatronSession(Request[EndSessionResponse]):
    """SIP2 message 35 (EndPatronSession)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
        patron_password: FieldValue = ...,
    ) -> None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...

class EndSessionResponse(Response):
    """SIP2 message 36 (EndSessionResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        end_session: bool = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def end_session(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class Checkout(Request[CheckoutResponse]):
    """SIP2 message 11 (Checkout)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        sc_renewal_policy: bool = ...,
        no_block: bool = ...,
        transaction_date: datetime | None = ...,
        nb_due_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        item_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
        item_properties: FieldValue = ...,
        patron_password: FieldValue = ...,
        fee_acknowledged: FieldValue = ...,
        cancel: FieldValue = ...,
    ) -> None: ...
    @property
    def sc_renewal_policy(self) -> bool | None: ...
    @property
    def no_block(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def nb_due_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...
    @property
    def fee_acknowledged(self) -> str | None: ...
    @property
    def cancel(self) -> str | None: ...

class CheckoutResponse(Response):
    """SIP2 message 12 (CheckoutResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        ok: bool = ...,
        renewal_ok: bool = ...,
        magnetic_media: bool | None = ...,
        desensitize: bool | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        item_identifier: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        due_date: FieldValue = ...,
        fee_type: FieldValue = ...,
        security_inhibit: FieldValue = ...,
        currency_type: FieldValue = ...,
        fee_amount: FieldValue = ...,
        media_type: FieldValue = ...,
        item_properties: FieldValue = ...,
        transaction_id: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def renewal_ok(self) -> bool | None: ...
    @property
    def magnetic_media(self) -> bool | None: ...
    @property
    def desensitize(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def due_date(self) -> str | None: ...
    @property
    def fee_type(self) -> str | None: ...
    @property
    def security_inhibit(self) -> str | None: ...
    @property
    def currency_type(self) -> str | None: ...
    @property
    def fee_amount(self) -> str | None: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def transaction_id(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class Checkin(Request[CheckinResponse]):
    """SIP2 message 09 (Checkin)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        no_block: bool = ...,
        transaction_date: datetime | None = ...,
        return_date: datetime | None = ...,
        current_location: FieldValue = ...,
        institution_id: FieldValue = ...,
        item_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
        item_properties: FieldValue = ...,
        cancel: FieldValue = ...,
    ) -> None: ...
    @property
    def no_block(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def return_date(self) -> datetime | None: ...
    @property
    def current_location(self) -> str | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def cancel(self) -> str | None: ...

class CheckinResponse(Response):
    """SIP2 message 10 (CheckinResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        ok: bool = ...,
        resensitize: bool = ...,
        magnetic_media: bool | None = ...,
        alert: bool = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        item_identifier: FieldValue = ...,
        permanent_location: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        sort_bin: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        media_type: FieldValue = ...,
        item_properties: FieldValue = ...,
        destination_location: FieldValue = ...,
        alert_type: FieldValue = ...,
        call_number: FieldValue = ...,
        collection_code: FieldValue = ...,
        hold_patron_id: FieldValue = ...,
        hold_patron_name: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def resensitize(self) -> bool | None: ...
    @property
    def magnetic_media(self) -> bool | None: ...
    @property
    def alert(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def permanent_location(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def sort_bin(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def destination_location(self) -> str | None: ...
    @property
    def alert_type(self) -> str | None: ...
    @property
    def call_number(self) -> str | None: ...
    @property
    def collection_code(self) -> str | None: ...
    @property
    def hold_patron_id(self) -> str | None: ...
    @property
    def hold_patron_name(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class Renew(Request[RenewResponse]):
    """SIP2 message 29 (Renew)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        third_party_allowed: bool = ...,
        no_block: bool = ...,
        transaction_date: datetime | None = ...,
        nb_due_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        patron_password: FieldValue = ...,
        item_identifier: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        terminal_password: FieldValue = ...,
        item_properties: FieldValue = ...,
        fee_acknowledged: FieldValue = ...,
    ) -> None: ...
    @property
    def third_party_allowed(self) -> bool | None: ...
    @property
    def no_block(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def nb_due_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def fee_acknowledged(self) -> str | None: ...

class RenewResponse(Response):
    """SIP2 message 30 (RenewResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        ok: bool = ...,
        renewal_ok: bool = ...,
        magnetic_media: bool | None = ...,
        desensitize: bool | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        item_identifier: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        due_date: FieldValue = ...,
        fee_type: FieldValue = ...,
        security_inhibit: FieldValue = ...,
        currency_type: FieldValue = ...,
        fee_amount: FieldValue = ...,
        media_type: FieldValue = ...,
        item_properties: FieldValue = ...,
        transaction_id: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def renewal_ok(self) -> bool | None: ...
    @property
    def magnetic_media(self) -> bool | None: ...
    @property
    def desensitize(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def due_date(self) -> str | None: ...
    @property
    def fee_type(self) -> str | None: ...
    @property
    def security_inhibit(self) -> str | None: ...
    @property
    def currency_type(self) -> str | None: ...
    @property
    def fee_amount(self) -> str | None: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def transaction_id(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class RenewAll(Request[RenewAllResponse]):
    """SIP2 message 65 (RenewAll)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        patron_password: FieldValue = ...,
        terminal_password: FieldValue = ...,
        fee_acknowledged: FieldValue = ...,
    ) -> None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def fee_acknowledged(self) -> str | None: ...

class RenewAllResponse(Response):
    """SIP2 message 66 (RenewAllResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        ok: bool = ...,
        renewed_count: int | None = ...,
        unrenewed_count: int | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        renewed_items: FieldValue = ...,
        unrenewed_items: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def renewed_count(self) -> int | None: ...
    @property
    def unrenewed_count(self) -> int | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def renewed_items(self) -> list[str]: ...
    @property
    def unrenewed_items(self) -> list[str]: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class ItemInformation(Request[ItemInformationResponse]):
    """SIP2 message 17 (ItemInformation)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        item_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
    ) -> None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...

class ItemInformationResponse(Response):
    """SIP2 message 18 (ItemInformationResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        circulation_status: str = ...,
        security_marker: str = ...,
        fee_type: str = ...,
        transaction_date: datetime | None = ...,
        item_identifier: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        hold_queue_length: FieldValue = ...,
        due_date: FieldValue = ...,
        recall_date: FieldValue = ...,
        hold_pickup_date: FieldValue = ...,
        owner: FieldValue = ...,
        currency_type: FieldValue = ...,
        fee_amount: FieldValue = ...,
        media_type: FieldValue = ...,
        permanent_location: FieldValue = ...,
        current_location: FieldValue = ...,
        item_properties: FieldValue = ...,
        destination_location: FieldValue = ...,
        call_number: FieldValue = ...,
        collection_code: FieldValue = ...,
        institution_id: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def circulation_status(self) -> str: ...
    @property
    def security_marker(self) -> str: ...
    @property
    def fee_type(self) -> str: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def hold_queue_length(self) -> str | None: ...
    @property
    def due_date(self) -> str | None: ...
    @property
    def recall_date(self) -> str | None: ...
    @property
    def hold_pickup_date(self) -> str | None: ...
    @property
    def owner(self) -> str | None: ...
    @property
    def currency_type(self) -> str | None: ...
    @property
    def fee_amount(self) -> str | None: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def permanent_location(self) -> str | None: ...
    @property
    def current_location(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def destination_location(self) -> str | None: ...
    @property
    def call_number(self) -> str | None: ...
    @property
    def collection_code(self) -> str | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class ItemStatusUpdate(Request[ItemStatusUpdateResponse]):
    """SIP2 message 19 (ItemStatusUpdate)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        item_identifier: FieldValue = ...,
        item_properties: FieldValue = ...,
        terminal_password: FieldValue = ...,
    ) -> None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...

class ItemStatusUpdateResponse(Response):
    """SIP2 message 20 (ItemStatusUpdateResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        item_properties_ok: bool = ...,
        transaction_date: datetime | None = ...,
        item_identifier: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        item_properties: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def item_properties_ok(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def item_properties(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class FeePaid(Request[FeePaidResponse]):
    """SIP2 message 37 (FeePaid)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        transaction_date: datetime | None = ...,
        fee_type: str = ...,
        payment_type: str = ...,
        currency_type: str,
        fee_amount: FieldValue = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        terminal_password: FieldValue = ...,
        patron_password: FieldValue = ...,
        fee_identifier: FieldValue = ...,
        transaction_id: FieldValue = ...,
    ) -> None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def fee_type(self) -> str: ...
    @property
    def payment_type(self) -> str: ...
    @property
    def currency_type(self) -> str: ...
    @property
    def fee_amount(self) -> str | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...
    @property
    def fee_identifier(self) -> str | None: ...
    @property
    def transaction_id(self) -> str | None: ...

class FeePaidResponse(Response):
    """SIP2 message 38 (FeePaidResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        payment_accepted: bool = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        transaction_id: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def payment_accepted(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def transaction_id(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...

class Hold(Request[HoldResponse]):
    """SIP2 message 15 (Hold)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        hold_mode: str,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        expiration_date: FieldValue = ...,
        pickup_location: FieldValue = ...,
        hold_type: FieldValue = ...,
        patron_password: FieldValue = ...,
        item_identifier: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        terminal_password: FieldValue = ...,
        fee_acknowledged: FieldValue = ...,
    ) -> None: ...
    @property
    def hold_mode(self) -> str: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def expiration_date(self) -> str | None: ...
    @property
    def pickup_location(self) -> str | None: ...
    @property
    def hold_type(self) -> str | None: ...
    @property
    def patron_password(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def terminal_password(self) -> str | None: ...
    @property
    def fee_acknowledged(self) -> str | None: ...

class HoldResponse(Response):
    """SIP2 message 16 (HoldResponse)."""

    def __init__(
        self,
        *,
        fields: Mapping[str, FieldValue] | None = ...,
        ok: bool = ...,
        available: bool = ...,
        transaction_date: datetime | None = ...,
        institution_id: FieldValue = ...,
        patron_identifier: FieldValue = ...,
        expiration_date: FieldValue = ...,
        queue_position: FieldValue = ...,
        pickup_location: FieldValue = ...,
        item_identifier: FieldValue = ...,
        title_identifier: FieldValue = ...,
        title: FieldValue = ...,
        screen_message: FieldValue = ...,
        print_line: FieldValue = ...,
    ) -> None: ...
    @property
    def ok(self) -> bool | None: ...
    @property
    def available(self) -> bool | None: ...
    @property
    def transaction_date(self) -> datetime | None: ...
    @property
    def institution_id(self) -> str | None: ...
    @property
    def patron_identifier(self) -> str | None: ...
    @property
    def expiration_date(self) -> str | None: ...
    @property
    def queue_position(self) -> str | None: ...
    @property
    def pickup_location(self) -> str | None: ...
    @property
    def item_identifier(self) -> str | None: ...
    @property
    def title_identifier(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def screen_message(self) -> list[str]: ...
    @property
    def print_line(self) -> list[str]: ...
