"""The typed view of the message classes (``catalog.pyi``) matches the layout table."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from kiosk import sip2
from kiosk.sip2 import LAYOUTS, catalog, stubgen
from kiosk.sip2.messages import Request, Response


def test_the_checked_in_stub_is_the_one_the_table_gives() -> None:
    """After a change of the table: ``python -m kiosk.sip2.stubgen`` rewrites the stub."""
    assert stubgen.STUB_PATH.read_text(encoding="utf-8") == stubgen.render()


def stub_classes() -> dict[str, ast.ClassDef]:
    tree = ast.parse(stubgen.STUB_PATH.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_every_layout_has_its_class_in_the_stub_and_at_run_time() -> None:
    classes = stub_classes()
    assert set(classes) == {layout.name for layout in LAYOUTS.values()}
    for layout in LAYOUTS.values():
        runtime = getattr(catalog, layout.name)
        assert runtime is sip2.message_class(layout.code)
        base = ast.unparse(classes[layout.name].bases[0])
        if layout.direction == "sc":
            answer = LAYOUTS[layout.response].name if layout.response else "Message"
            assert issubclass(runtime, Request) and base == f"Request[{answer}]"
        else:
            assert issubclass(runtime, Response) and base == "Response"


def test_every_attribute_the_stub_promises_is_readable_at_run_time() -> None:
    for name, node in stub_classes().items():
        cls = getattr(catalog, name)
        properties = [
            item.name
            for item in node.body
            if isinstance(item, ast.FunctionDef) and item.name != "__init__"
        ]
        fixed = {spec.name for spec in cls.layout.fixed}
        assert fixed <= set(properties), name
        for attribute in properties:
            assert isinstance(getattr(cls, attribute), property), (name, attribute)


def test_attributes_read_the_fields_of_a_decoded_message() -> None:
    frame = b"121NNY20261122    103005AOSE-BOL|AA2150000001|AB3000000001|AJMio|AFA|AFB|"
    reply = sip2.decode(frame).message
    assert isinstance(reply, sip2.CheckoutResponse)
    assert (reply.ok, reply.renewal_ok, reply.desensitize) == (True, False, True)
    assert (reply.item_identifier, reply.title, reply.due_date) == ("3000000001", "Mio", None)
    assert reply.screen_message == ["A", "B"]


def test_a_type_checker_sees_the_attributes_and_the_response_classes(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    program = tmp_path / "uses_messages.py"
    program.write_text(
        textwrap.dedent(
            """
            from kiosk import sip2

            async def borrow(client: sip2.SIP2Client) -> None:
                reply = await client.request(client.make(sip2.Checkout, item_identifier="1"))
                reveal_type(reply)
                reveal_type(reply.ok)
                reveal_type(reply.screen_message)
                reveal_type(reply.due_date)
                reply.no_such_field
            """
        ),
        encoding="utf-8",
    )
    out, _, status = api.run([str(program), "--no-incremental", "--cache-dir=/dev/null"])
    out = out.replace("builtins.", "")  # mypy versions differ in how they print builtins
    assert status == 1
    assert 'Revealed type is "kiosk.sip2.catalog.CheckoutResponse"' in out
    assert 'Revealed type is "bool | None"' in out
    assert 'Revealed type is "list[str]"' in out
    assert 'Revealed type is "str | None"' in out
    assert '"CheckoutResponse" has no attribute "no_such_field"' in out
