"""The negative answer to a request that changes something: "no, and nothing happened".

Three situations need it: the "offline" fault knob, a request the server can read but not carry
out (a date beyond what the calendar holds), and a bug in a handler. In each the kiosk must get a
definite "no" for the request it sent, with a screen message, and not a closed connection: a
closed connection is an unknown outcome, which makes a kiosk lend offline and replay later.

Only requests that change something have a negative response in SIP2 (ok=0, payment not
accepted ...). A request that only reads (93, 99, 23, 63, 17, 35) gets :func:`refusal` ``None``
and the caller answers 96 (resend), which is safe because nothing was carried out.
"""

from __future__ import annotations

from kiosk import sip2

BLANK_PATRON_STATUS = " " * 14


def refusal(request: sip2.Message, *, institution: str, screen_message: str) -> sip2.Message | None:
    """The negative response of ``request`` with ``screen_message`` in AF, or None (see above)."""
    screen = {"AF": screen_message}
    code = request.code
    if code in ("11", "29"):
        cls = sip2.CheckoutResponse if code == "11" else sip2.RenewResponse
        return cls(
            ok=False,
            renewal_ok=False,
            magnetic_media=None,
            desensitize=False,
            fields={
                "AO": institution,
                "AA": request.get("AA") or "",
                "AB": request.get("AB") or "",
                "AJ": "",
                "AH": "",
                **screen,
            },
        )
    if code == "09":
        return sip2.CheckinResponse(
            ok=False,
            resensitize=True,
            magnetic_media=None,
            alert=False,
            fields={"AO": institution, "AB": request.get("AB") or "", "AQ": "", **screen},
        )
    if code == "65":
        return sip2.RenewAllResponse(
            ok=False, renewed_count=0, unrenewed_count=0, fields={"AO": institution, **screen}
        )
    if code == "15":
        return sip2.HoldResponse(
            ok=False,
            available=False,
            fields={"AO": institution, "AA": request.get("AA") or "", **screen},
        )
    if code == "37":
        return sip2.FeePaidResponse(
            payment_accepted=False,
            fields={"AO": institution, "AA": request.get("AA") or "", **screen},
        )
    if code == "19":
        return sip2.ItemStatusUpdateResponse(
            item_properties_ok=False, fields={"AB": request.get("AB") or "", **screen}
        )
    if code in ("01", "25"):
        response_class = sip2.PatronEnableResponse if code == "25" else sip2.PatronStatusResponse
        return response_class(
            patron_status=BLANK_PATRON_STATUS,
            language="000",
            fields={
                "AO": institution,
                "AA": request.get("AA") or "",
                "AE": "",
                "BL": "N",
                **screen,
            },
        )
    return None
