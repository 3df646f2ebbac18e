"""Scripted patrons: whole visits played on the real screens, the real core, the embedded
library system and the simulated hardware, with a screenshot and a layout audit after every
step.

Why scripts and not only unit tests: a scenario is what a librarian evaluating the kiosk, a
translator checking a language, or CI wants to *see*: ``kiosk demo --scenario borrow-stack
--screenshots out/`` plays it headless and exits 0 only when every expectation held and every
step's layout passed the audit (:mod:`kiosk.ui.audit`). ``--language`` plays it in any UI
language and ``--look large-text,high-contrast`` in either look or both.

A scenario is an async function taking a :class:`~kiosk.demo.scenario_run.ScenarioRun`; every
helper that changes something (tap, type, place, remove, present a card) is a *step*. Buttons
are found by their catalog text translated into the scenario's language. The demo consortium's
named examples (``acs.examples``) supply patrons and items, so the scenarios follow the demo data
rather than hard-coding numbers where it can be helped.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Unpack

from kiosk.demo.scenario_run import (
    LOOKS,
    PlayOptions,
    Scenario,
    ScenarioFailed,
    ScenarioResult,
    ScenarioRun,
    demo_config,
    open_demo,
    parse_look,
    play,
)
from kiosk.ui.i18n import N_, NP_

__all__ = [
    "LOOKS",
    "SCENARIOS",
    "Scenario",
    "ScenarioFailed",
    "ScenarioResult",
    "ScenarioRun",
    "demo_config",
    "list_scenarios",
    "open_demo",
    "parse_look",
    "run_scenario",
]


# ================================================================================ scenarios


async def _sign_in(run: ScenarioRun, intent: str, who: str = "patron") -> str:
    """Welcome -> Borrow/My account -> type card number -> PIN. Returns the patron barcode."""
    patron = run.examples[who]
    await run.step("welcome")
    await run.tap(intent)
    run.expect_screen("identify")
    await run.type(patron["barcode"], "type card number")
    run.expect_screen("pin")
    await run.type(patron["pin"], "type PIN")
    return patron["barcode"]


def _loan_due(run: ScenarioRun, item: str) -> datetime | None:
    account = run.app.presenter.state.account
    assert account is not None
    return next(loan.due_date for loan in account.loans if loan.item_id == item)


def _stack(run: ScenarioRun, count: int) -> list[str]:
    first = int(run.examples["borrow_stack"]["first"])
    return [str(first + i) for i in range(count)]


async def _lend_stack(run: ScenarioRun, count: int, name: str) -> None:
    """Sign in to borrow, put ``count`` items down at once: every one lent (on screen and in the
    library system) and counted; then the patron takes them."""
    await _sign_in(run, N_("Borrow"))
    run.expect_screen("borrow")
    stack = _stack(run, count)
    await run.place(*stack, name=name)
    for barcode in stack:
        run.expect_item(barcode, "borrowed")
        run.expect(run.acs.model.item(barcode).loan is not None, f"{barcode} is on loan in the ILS")
    run.expect_count(NP_("{n} item on the pad", "{n} items on the pad"), count)
    run.expect_count(NP_("{n} borrowed", "{n} borrowed"), count)
    await run.remove(*stack, name="take the stack")


async def borrow_stack(run: ScenarioRun) -> None:
    await _lend_stack(run, 5, "place a stack of five items")
    await run.tap(N_("Finish"))
    run.expect_screen("receipt")
    await run.tap(N_("Print"))
    run.expect_screen("goodbye")
    run.expect(bool(run.app.presenter.state.end_reason), "the session ended")
    await run.until(lambda: run.app.presenter.state.screen.value == "welcome", "a clean screen")
    await run.step("clean welcome screen")


async def incomplete_set(run: ScenarioRun) -> None:
    await _sign_in(run, N_("Borrow"))
    item = run.examples["borrow_multipart"]["item"]
    await run.place_parts(item, [1], "place one part of a three-part set")
    run.expect_item(item, "incomplete")
    run.expect(run.acs.model.item(item).loan is None, "nothing of the set was lent")
    await run.place_parts(item, [1, 2, 3], "place all three parts")
    await run.until(lambda: run.item_state(item) == "borrowed", "the complete set to be lent")
    await run.step("the complete set is borrowed")
    await run.remove(item)
    await run.tap(N_("Finish"))
    await run.tap(N_("No receipt"))


async def refused_loan(run: ScenarioRun) -> None:
    await _sign_in(run, N_("Borrow"))
    reference = run.examples["borrow_reference"]["item"]
    ok = _stack(run, 1)[0]
    await run.place(reference, ok, name="place a reference book and a normal book")
    run.expect_item(ok, "borrowed")
    run.expect_item(reference, "refused")
    run.expect(run.acs.model.item(reference).loan is None, "the reference book was not lent")
    await run.remove(reference, ok)
    await run.tap(N_("Finish"))
    await run.tap(N_("No receipt"))


async def blocked_patron(run: ScenarioRun) -> None:
    await _sign_in(run, N_("Borrow"), who="patron_blocked")
    state = run.app.presenter.state
    run.expect(not state.can_borrow, "a blocked patron cannot borrow")
    run.expect_screen("menu")
    await run.tap(N_("Finish"))


async def returns_routing(run: ScenarioRun) -> None:
    ex = run.examples
    await run.step("welcome")
    await run.tap(N_("Return"))
    run.expect_screen("return")
    items = [
        ex["return_reshelve"]["item"],
        ex["return_hold_here"]["item"],
        ex["return_transit_home"]["item"],
        ex["return_hold_transit"]["item"],
        ex["return_floating_stays"]["item"],
    ]
    await run.place(*items, name="place five returns")
    outcomes = {b: run.app.presenter.state.items[b].outcome for b in items}
    kinds = {b: o.kind.value if o else None for b, o in outcomes.items()}
    run.expect(kinds[items[0]] == "reshelve", f"reshelve: {kinds[items[0]]}")
    run.expect(kinds[items[1]] == "hold_here", f"hold here: {kinds[items[1]]}")
    run.expect(kinds[items[2]] == "other_library", f"transit home: {kinds[items[2]]}")
    run.expect(kinds[items[3]] == "other_library", f"hold transit: {kinds[items[3]]}")
    run.expect(kinds[items[4]] == "reshelve", f"floating stays: {kinds[items[4]]}")
    run.expect_text(N_("Someone is waiting for this — put it on the holds shelf"))
    await run.remove(*items)
    await run.tap(N_("Finish"))
    if run.app.presenter.state.screen.value == "receipt":
        await run.tap(N_("No receipt"))


async def return_exception(run: ScenarioRun) -> None:
    await run.step("welcome")
    await run.tap(N_("Return"))
    reshelve = run.examples["return_reshelve"]["item"]
    await run.place(reshelve, name="place a returned item")
    await run.remove(reshelve)
    # An item the library system does not know: the kiosk never refuses a return.
    unknown = "3999999999"
    from drivers.rfid import tag_for_item

    tag = tag_for_item(unknown, "SE-Bol", secured=False)
    run.sim.place(tag)
    await run.wait_items([unknown])
    await run.step("place an unknown item")
    outcome = run.app.presenter.state.items[unknown].outcome
    run.expect(outcome is not None and outcome.kind.value == "exception", "unknown -> exception")
    run.expect_text(
        N_("Not returned: the staff need to see it. Please hand it in at the staff desk.")
    )
    run.expect_item(unknown, "left_for_staff")
    run.sim.remove(tag.uid)
    await run.tap(N_("Finish"))
    if run.app.presenter.state.screen.value == "receipt":
        await run.tap(N_("No receipt"))


async def renew_loans(run: ScenarioRun) -> None:
    await _sign_in(run, N_("My account"))
    run.expect_screen("account")
    ok_item = run.examples["renew_ok"]["item"]
    blocked = run.examples["renew_blocked_by_hold"]["item"]
    account = run.app.presenter.state.account
    run.expect(account is not None and len(account.loans) > 0, "the account lists loans")
    await run.renew(ok_item, "renew one loan")
    await run.renew(blocked, "renew one someone waits for")
    from kiosk.core import ItemRefused, ItemRenewed, Reason

    renewals = run.app.presenter.state.renewals
    run.expect(isinstance(renewals.get(ok_item), ItemRenewed), "renewed one")
    refused = renewals.get(blocked)
    run.expect(
        isinstance(refused, ItemRefused) and refused.reason is Reason.RENEWAL_RESERVED,
        "refused the held one, because someone is waiting for it",
    )
    run.expect_text(N_("Not renewed: someone is waiting for it."))
    run.expect_text(N_("Due {date}"), date=run.app.tr.date(_loan_due(run, blocked)))
    await run.tap(N_("Finish"))
    if run.app.presenter.state.screen.value == "receipt":
        await run.tap(N_("No receipt"))


async def account_view(run: ScenarioRun) -> None:
    await _sign_in(run, N_("My account"), who="patron_holds")
    run.expect_screen("account")
    account = run.app.presenter.state.account
    if account is None:
        raise ScenarioFailed("the account is not shown")
    places = {h.place.value for h in account.holds}
    run.expect("ready_here" in places, f"a hold ready here (got {sorted(places)})")
    run.expect_text(N_("Ready for you here"))
    ready = next(h for h in account.holds if h.place.value == "ready_here")
    run.expect(ready.pickup_by is not None, "the hold ready here has a last pickup day")
    run.expect_text(N_("Pick it up by {date}"), date=run.app.tr.date(ready.pickup_by))
    await run.tap(N_("Finish"))


async def fee_loan(run: ScenarioRun) -> None:
    await _sign_in(run, N_("Borrow"))
    item = run.examples["borrow_chargeable"]["item"]
    from kiosk.assembly import demo_item_tags

    tags = demo_item_tags(run.acs.model, item)
    run.sim.place(*tags)
    await run.until(lambda: run.app.presenter.pending_fee is not None, "the fee question")
    await run.step("the loan costs money: asked")
    await run.tap(N_("Yes, borrow it"))
    await run.until(lambda: run.item_state(item) == "borrowed", "the chargeable loan")
    await run.step("borrowed after accepting the fee")
    for tag in tags:
        run.sim.remove(tag.uid)
    await run.tap(N_("Finish"))
    await run.tap(N_("No receipt"))


async def timeout(run: ScenarioRun) -> None:
    await _sign_in(run, N_("Borrow"))
    await run.until(lambda: run.app.presenter.state.warning_seconds is not None, "the warning")
    await run.step("inactivity warning with a countdown")
    await run.until(
        lambda: run.app.presenter.state.screen.value in ("goodbye", "welcome"), "the timeout", 20
    )
    run.expect(run.kiosk.mode.value == "idle", "the session ended")
    await run.step("session ended after the timeout")


async def offline_mode(run: ScenarioRun) -> None:
    run.acs.faults.update(offline=True)
    await run.step("welcome")
    await run.tap(N_("Return"))
    item = run.examples["return_reshelve"]["item"]
    await run.place(item, name="return while the library system is offline")
    row = run.app.presenter.state.items[item]
    run.expect(row.offline, "the return was recorded offline")
    run.expect(not run.app.presenter.online, "the offline banner is shown")
    await run.remove(item)
    await run.tap(N_("Finish"))
    if run.app.presenter.state.screen.value == "receipt":
        await run.tap(N_("No receipt"))
    run.acs.faults.update(offline=False)
    await run.until(lambda: run.app.presenter.online, "the library system back online", 20)
    await run.until(
        lambda: run.running.journal.offline_queue_depth() == 0, "the offline queue replayed", 20
    )
    await run.step("back online, queue replayed")


async def staff_mode(run: ScenarioRun) -> None:
    await run.step("welcome")
    await run.tap(N_("Staff"))
    await run.type("1111", "a wrong staff code")
    run.expect(run.app.presenter.state.staff_refused, "a wrong code is refused")
    await run.type("2468", "the right staff code")
    run.expect_screen("staff")
    await run.until(lambda: "devices" in run.app.staff_status, "the status")
    await run.step("staff status")
    await run.tap(N_("Reader test"))
    item = _stack(run, 1)[0]
    from kiosk.assembly import demo_item_tags

    tags = demo_item_tags(run.acs.model, item)
    run.sim.place(*tags)
    await run.until(
        lambda: any(item in line for line in run.app.staff_status.get("reader_test") or []),
        "the reader test to show the tag",
    )
    await run.step("reader test shows the decoded tag")
    await run.tap(N_("Printer test"))
    await run.until(lambda: "message" in run.app.staff_status, "the printer test")
    await run.step("printer test")
    for tag in tags:
        run.sim.remove(tag.uid)
    await run.tap(N_("Leave staff mode"))
    run.expect_screen("welcome")


# ------------------------------------------------------------------------ issue 14's visits


async def big_stack(run: ScenarioRun) -> None:
    """Ten items at once: every one accounted for, the count in view, the newest in view."""
    await _lend_stack(run, 10, "place a stack of ten items")
    await run.tap(N_("Finish"))
    await run.tap(N_("No receipt"))


async def security_not_cleared(run: ScenarioRun) -> None:
    """The security tag of one loan cannot be cleared: "Finish" waits; placed again it is
    finished; a second one that still fails goes to the staff with a slip, and the receipt says
    its alarm tag is still on."""
    from kiosk.assembly import demo_item_tags
    from kiosk.ils.journal import Attention

    first, second = _stack(run, 2)
    for barcode in (first, second):
        for tag in demo_item_tags(run.acs.model, barcode):
            run.sim.faults.fail_writes(tag.uid, times=1000)
    await _sign_in(run, N_("Borrow"))
    await run.place(first, name="place a book whose tag cannot be changed")
    run.expect_item(first, "security")
    run.expect(run.acs.model.item(first).loan is not None, "the loan stands in the ILS")
    await run.tap(N_("Finish"), "finish: not yet, the alarm tag is still on")
    run.expect_screen("borrow")
    run.expect_text(N_("Not finished yet"))
    await run.tap(N_("Place them again"), "the patron will place it again")
    run.sim.faults.clear()
    await run.remove(first)
    await run.place(first, name="placed again")
    await run.until(lambda: run.item_state(first) == "borrowed", "the book finished")
    await run.step("placed again: finished")
    for tag in demo_item_tags(run.acs.model, second):
        run.sim.faults.fail_writes(tag.uid, times=1000)
    await run.place(second, name="a second book whose tag cannot be changed")
    run.expect_item(second, "security")
    await run.tap(N_("Finish"), "finish: held again")
    await run.tap(N_("Ask the staff"), "the patron takes it to the staff")
    run.expect_item(second, "staff")
    run.expect_text(N_("Please take them to the staff desk and show the slip from the printer."))
    flagged = [e for e in run.running.journal.entries() if e.item_id == second and e.attention]
    run.expect(
        bool(flagged) and flagged[0].attention is Attention.SECURITY_UNRESOLVED,
        "the loan is on the staff's list",
    )
    await run.tap(N_("Finish"), "finish: the receipt")
    run.expect_screen("receipt")
    run.expect_text(N_("Its alarm tag is still on: show it at the staff desk"))
    run.sim.faults.clear()
    await run.remove(first, second)
    await run.tap(N_("No receipt"))
    run.expect_screen("goodbye")


async def printer_out_of_paper(run: ScenarioRun) -> None:
    """No "Print" while the printer has no paper, and the patron sees why; a print that fails
    half way is shown, and the patron chooses again."""
    printer = run.running.printer
    await _sign_in(run, N_("Borrow"))
    book = _stack(run, 1)[0]
    await run.place(book, name="borrow a book")
    await run.remove(book)
    printer.device.paper = "out"
    await run.tap(N_("Finish"), "finish: the printer is out of paper")
    run.expect_screen("receipt")
    run.expect_text(N_("The receipt printer is out of paper."))
    run.expect(N_("Print") not in [b.logical for b in run.ui.buttons()], "no Print button")
    await run.tap(N_("No receipt"))
    run.expect_screen("goodbye")
    await run.until(lambda: run.app.presenter.state.screen.value == "welcome", "a clean screen")
    printer.device.paper = "ok"
    printer.device.paper_lines = 3  # the roll runs out in the middle of the next receipt
    await _sign_in(run, N_("Borrow"))
    other = _stack(run, 2)[1]
    await run.place(other, name="borrow another book")
    await run.remove(other)
    await run.tap(N_("Finish"))
    await run.tap(N_("Print"), "print: the paper runs out")
    run.expect_screen("receipt")
    run.expect_text(N_("The receipt could not be printed."))
    await run.tap(N_("No receipt"))
    run.expect_screen("goodbye")
    printer.device.paper, printer.device.paper_lines = "ok", None


async def left_on_pad(run: ScenarioRun) -> None:
    """A return left on the pad is not lent to the next patron, who is asked first."""
    returned = run.examples["return_reshelve"]["item"]
    await run.step("welcome")
    await run.tap(N_("Return"))
    await run.place(returned, name="return a book and leave it on the pad")
    await run.tap(N_("Finish"))
    if run.app.presenter.state.screen.value == "receipt":
        await run.tap(N_("No receipt"))
    await run.until(lambda: run.app.presenter.state.screen.value == "welcome", "a clean screen")
    await _sign_in(run, N_("Borrow"), who="patron_holds")
    await run.until(lambda: bool(run.app.presenter.left_items), "the question about the book")
    await run.step("asked: is the book on the pad yours?")
    run.expect_text(N_("Are these yours?"))
    run.expect(run.acs.model.item(returned).loan is None, "nothing lent without an answer")
    await run.tap(N_("Not mine"), "not theirs")
    await run.until(lambda: run.item_state(returned) == "refused", "the answer taken")
    await run.step("not lent")
    run.expect_text(N_("Not borrowed: it was on the pad before you came."))
    run.expect(run.acs.model.item(returned).loan is None, "the book was not lent")
    await run.remove(returned)
    await run.tap(N_("Finish"))
    if run.app.presenter.state.screen.value == "receipt":
        await run.tap(N_("No receipt"))


async def wrong_pin(run: ScenarioRun) -> None:
    """Wrong PINs: the tries left, where to get a new PIN, and the reason kept on screen after
    the last try until the patron moves on."""
    patron = run.examples["patron"]
    await run.step("welcome")
    await run.tap(N_("Borrow"))
    await run.type(patron["barcode"], "type card number")
    await run.type("0000", "a wrong PIN")
    run.expect_screen("pin")
    run.expect_count(NP_("{n} try left.", "{n} tries left."), 2)
    await run.tap(N_("Forgot your PIN?"), "where to get a new PIN")
    run.expect_text(N_("Forgot your PIN?"))
    await run.tap(N_("OK"), "back to the PIN")
    await run.type(patron["pin"], "the right PIN")
    run.expect_screen("borrow")
    await run.tap(N_("Finish"))
    await run.until(lambda: run.app.presenter.state.screen.value == "welcome", "a clean screen")
    await run.tap(N_("Borrow"))
    await run.type(patron["barcode"], "type card number again")
    for n, pin in enumerate(("1111", "2222", "3333"), 1):
        await run.type(pin, f"wrong PIN {n}")
    run.expect_screen("identify")
    run.expect_text(N_("Too many wrong PINs. Please ask the staff for help."))
    await run.pause(2.0)
    await run.step("the reason is still there")
    run.expect_screen("identify")
    run.expect_text(N_("Too many wrong PINs. Please ask the staff for help."))
    await run.tap(N_("Cancel"))
    run.expect_screen("welcome")


async def out_of_service(run: ScenarioRun) -> None:
    """Taken out of service: the closed screen says so in the patron's language, a card on the
    reader starts nothing, and staff still get in (and leave it closed)."""
    patron = run.examples["patron"]
    await run.step("closed")
    run.expect_screen("closed")
    run.expect_text(N_("Out of service"))
    await run.tap("English", "a patron reads it in English")
    run.expect_text(N_("This kiosk is not in use just now. Please ask the staff for help."))
    await run.present_card(patron["barcode"], "a library card on the reader")
    await run.pause(1.0)
    run.expect_screen("closed")
    run.expect(run.kiosk.mode.value == "closed", "no visit starts while out of service")
    await run.take_card(patron["barcode"])
    await run.tap(N_("Staff"))
    await run.tap(N_("Cancel"), "staff change their mind")
    run.expect_screen("closed")
    await run.tap(N_("Staff"))
    await run.type("2468", "the staff code")
    run.expect_screen("staff")
    await run.tap(N_("Leave staff mode"))
    run.expect_screen("closed")


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("borrow-stack", "Sign in, borrow a stack of five, print a receipt.", borrow_stack),
        Scenario("big-stack", "Ten items at once, every one accounted for on screen.", big_stack),
        Scenario(
            "incomplete-set", "A three-part set with parts missing, then complete.", incomplete_set
        ),
        Scenario(
            "refused-loan", "A reference book is refused, the other book is lent.", refused_loan
        ),
        Scenario(
            "blocked-patron",
            "A blocked patron may not borrow; the reason is shown.",
            blocked_patron,
        ),
        Scenario("fee-loan", "A loan that costs money: the patron accepts the fee.", fee_loan),
        Scenario(
            "security-not-cleared",
            "A tag whose security cannot be cleared holds Finish; placed again, or to the staff.",
            security_not_cleared,
        ),
        Scenario(
            "printer-out-of-paper",
            "No Print without paper; a print that fails offers what is left.",
            printer_out_of_paper,
        ),
        Scenario(
            "left-on-pad",
            "A return left on the pad is not lent to the next patron without asking.",
            left_on_pad,
        ),
        Scenario(
            "wrong-pin",
            "Wrong PINs: tries left, forgotten PIN, the reason kept on screen.",
            wrong_pin,
        ),
        Scenario(
            "returns", "Returns with every routing outcome: shelf, holds, transit.", returns_routing
        ),
        Scenario(
            "return-exception",
            "An unknown item is never refused: it is left for the staff.",
            return_exception,
        ),
        Scenario(
            "renew", "Renew two loans: one renewed, one refused (someone waits).", renew_loans
        ),
        Scenario("account", "Loans, holds ready here and elsewhere, fees.", account_view),
        Scenario(
            "timeout",
            "The patron walks away: warning with countdown, then the session ends.",
            timeout,
            {"policy": {"inactivity_timeout_s": 10.0, "inactivity_warning_s": 6.0}},
        ),
        Scenario(
            "offline", "Returns while the library system is down; replay afterwards.", offline_mode
        ),
        Scenario("staff", "Staff mode: code, status, reader test, printer test.", staff_mode),
        Scenario(
            "out-of-service",
            "Out of service: the closed screen, no visit from a card, staff still get in.",
            out_of_service,
            {"kiosk": {"out_of_service": True}},
        ),
    )
}


async def run_scenario(
    name: str, screenshots: Path | None = None, **options: Unpack[PlayOptions]
) -> ScenarioResult:
    """Play scenario ``name`` headless (:func:`play`); needs ``configure_kivy(headless=True)``
    first."""
    return await play(SCENARIOS[name], screenshots, **options)


def list_scenarios() -> list[tuple[str, str]]:
    return [(s.name, s.description) for s in SCENARIOS.values()]
