"""Registries at the edges: a config's ``type`` picks a registered vendor, a new vendor is one
module and one registration, and every part of the kiosk asks the registry."""

from __future__ import annotations

import textwrap
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from drivers.cards import BarcodeScanner, CardReader
from drivers.printer import ReceiptPrinter
from drivers.rfid import RfidReader, tag_for_item
from drivers.sorter import Sorter
from kiosk.acs import EmbeddedACS
from kiosk.assembly import library_system, open_kiosk, printer_for
from kiosk.config import ConfigError, RfidReaderSettings, load_config, validate_config
from kiosk.ils.port import LibrarySystem
from kiosk.registry import (
    LIBRARY_SYSTEMS,
    REGISTRIES,
    RFID_READERS,
    DeviceContext,
    LibrarySystemContext,
    SorterContext,
    UnknownType,
)
from kiosk.vendors.sorters import ModbusSorterSettings
from tests.config.fixtures import MINIMAL_TOML, minimal_config, write_config

#: What each registry's factories build (``None`` for the "none" vendors).
PRODUCTS: dict[str, type] = {
    "hardware.rfid": RfidReader,
    "hardware.card_reader": CardReader,
    "hardware.scanner": BarcodeScanner,
    "hardware.printer": ReceiptPrinter,
    "hardware.sorter": Sorter,
    "ils": LibrarySystem,
}
REGISTERED = [(key, name) for key, registry in REGISTRIES.items() for name in registry.names()]


def config_with(key: str, name: str) -> dict[str, Any]:
    """The smallest kiosk config that selects vendor ``name`` of registry ``key``, with the
    example table its registration carries."""
    example = dict(REGISTRIES[key].get(name).example)
    if key == "ils":
        data = minimal_config(ils={"backend": name})
        data["ils"][name] = {**data["ils"].get(name, {}), **example}
        return data
    return minimal_config(hardware={key.split(".", 1)[1]: example})


def build(key: str, config: Any, stack: ExitStack) -> Any:
    registry = REGISTRIES[key]
    if key == "ils":
        ils = LibrarySystemContext(config)
        return registry.build(config.ils.backend_settings, ils, name=config.ils.backend)
    table = key.split(".", 1)[1]
    devices = (SorterContext if table == "sorter" else DeviceContext)(stack, simulator_timing=False)
    return registry.build(getattr(config.hardware, table), devices)


@pytest.mark.parametrize(("key", "name"), REGISTERED)
def test_every_registered_type_builds_from_its_example_config(key: str, name: str) -> None:
    config = validate_config(config_with(key, name), check_files=False)
    with ExitStack() as stack:
        product = build(key, config, stack)
    if name == "none":
        assert product is None
    else:
        assert isinstance(product, PRODUCTS[key]), type(product)
    selected = (
        config.ils.backend if key == "ils" else getattr(config.hardware, key.split(".", 1)[1]).type
    )
    assert selected == name


def test_the_kiosks_own_vendors_are_registered() -> None:
    assert RFID_READERS.names() == ("feig", "simulated")
    assert {key: len(r.names()) for key, r in REGISTRIES.items()} == {
        "hardware.rfid": 2,
        "hardware.card_reader": 3,
        "hardware.scanner": 4,
        "hardware.printer": 6,
        "hardware.sorter": 3,
        "ils": 2,
    }


def test_an_unknown_type_names_the_file_line_key_and_the_known_types(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, MINIMAL_TOML + '\n[hardware.rfid]\ntype = "acme"\nport = "/dev/ttyUSB0"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    [issue] = caught.value.issues
    assert str(issue) == (
        f"{path}:12: hardware.rfid.type: got 'acme'; "
        "expected one of 'feig' or 'simulated' (the known RFID readers)"
    )


def test_an_unknown_back_end_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ils={"backend": "koha"}))
    [issue] = caught.value.issues
    assert issue.key == "ils.backend"
    assert issue.expected == "one of 'sip2' or 'folio' (the known library-system back ends)"


def test_a_vendors_own_settings_are_checked_with_its_keys_named() -> None:
    data = minimal_config(hardware={"rfid": {"type": "feig", "prot": "/dev/ttyUSB0"}})
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    issues = {issue.key: issue for issue in caught.value.issues}
    assert issues["hardware.rfid.port"].expected.startswith("a value: the reader's serial port")
    unknown = issues["hardware.rfid.prot"].expected
    assert unknown.startswith("a known key (did you mean 'port'? this table accepts: type, port")


def test_keys_of_another_vendor_are_not_accepted() -> None:
    data = minimal_config(hardware={"rfid": {"type": "simulated", "port": "/dev/ttyUSB0"}})
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    [issue] = caught.value.issues
    assert (issue.key, issue.expected) == (
        "hardware.rfid.port",
        "a known key (this table accepts: type, baudrate)",
    )


def test_a_type_from_the_environment_picks_the_vendor_too() -> None:
    config = validate_config(
        minimal_config(),
        env={"KIOSK__HARDWARE__SORTER__TYPE": "modbus-tcp", "KIOSK__HARDWARE__SORTER__HOST": "plc"},
    )
    sorter = config.hardware.sorter
    assert isinstance(sorter, ModbusSorterSettings) and sorter.host == "plc"


# ------------------------------------------------------------------------ a vendor of one's own


def test_a_new_reader_vendor_is_one_module_and_one_registration(acme: Any) -> None:
    config = validate_config(minimal_config(hardware={"rfid": {"type": "acme", "antenna": "left"}}))
    assert isinstance(config.hardware.rfid, acme.AcmeReaderSettings)
    assert config.hardware.rfid.antenna == "left"
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(hardware={"rfid": {"type": "acme", "antenna": "top"}}))
    [issue] = caught.value.issues
    assert (issue.key, issue.expected) == ("hardware.rfid.antenna", "one of 'left' or 'right'")


async def test_a_kiosk_runs_on_a_registered_reader_and_back_end(acme: Any, tmp_path: Path) -> None:
    """The kiosk's assembly builds the vendor's reader and the vendor's back end; the reader
    reads a tag and the back end is online with the library system."""
    async with EmbeddedACS() as acs:
        path = write_config(
            tmp_path,
            f"""
            [kiosk]
            id = "acme-1"
            library = "SE-BOL"
            branch = "BOL-HB"
            state_dir = "{tmp_path / "state"}"

            [ils]
            backend = "acme-sip2"

            [ils.acme-sip2]
            port = {acs.port}
            user = "kiosk-bol-hb"
            password = "pw-bol-hb"

            [hardware.rfid]
            type = "acme"
            antenna = "right"

            [hardware.printer]
            type = "none"
            """,
        )
        config = load_config(path, env={})
        assert config.ils.backend_settings.port == acs.port  # type: ignore[attr-defined]
        async with open_kiosk(config, simulator_timing=False, run_recovery=False) as running:
            assert isinstance(running.reader, acme.AcmeReader)
            assert running.reader.antenna == "right"  # type: ignore[union-attr]
            assert running.ils.online
            assert running.simulator is not None
            tag = tag_for_item("3000000001", "SE-BOL")
            running.simulator.place(tag)
            found = await running.reader.inventory()  # type: ignore[union-attr]
            assert [info.uid for info in found] == [tag.uid]


def test_a_registered_back_ends_table_is_checked_and_reported_by_line(
    acme: Any, tmp_path: Path
) -> None:
    path = write_config(
        tmp_path,
        """
        [kiosk]
        id = "k1"
        library = "SE-BOL"
        branch = "BOL-HB"

        [ils]
        backend = "acme-sip2"

        [ils.acme-sip2]
        port = 70000
        user = "u"
        pasword = "p"
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    issues = {issue.key: issue for issue in caught.value.issues}
    assert set(issues) == {"ils.acme-sip2.port", "ils.acme-sip2.password", "ils.acme-sip2.pasword"}
    assert issues["ils.acme-sip2.port"].line == 11
    assert "did you mean 'password'?" in issues["ils.acme-sip2.pasword"].expected


def test_a_registered_back_end_without_its_table_says_which_table(acme: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ils={"backend": "acme-sip2"}))
    [issue] = caught.value.issues
    assert (issue.key, issue.expected) == (
        "ils.acme-sip2",
        "an [ils.acme-sip2] section for this back end",
    )


def test_config_show_prints_a_registered_back_ends_table(acme: Any) -> None:
    from kiosk.config import render_config

    config = validate_config(
        minimal_config(
            ils={"backend": "acme-sip2", "acme-sip2": {"port": 6001, "user": "u", "password": "p"}}
        )
    )
    shown = render_config(config, "json")
    assert '"acme-sip2": {' in shown and '"port": 6001' in shown
    assert isinstance(library_system(config), LibrarySystem)


# ----------------------------------------------------------------------------- registering


def never_built(settings: Any, context: Any) -> Any:
    raise AssertionError("a registration that was refused is never built")


class Misnamed(RfidReaderSettings):
    type: str = "other"


def test_a_registration_must_say_its_own_type() -> None:
    with pytest.raises(TypeError, match=r"Misnamed\.type must default to 'misnamed'"):
        RFID_READERS.register("misnamed", Misnamed, never_built)


def test_settings_of_another_kind_are_refused() -> None:
    class NotAReader(BaseModel):
        type: str = "odd"

    with pytest.raises(TypeError, match="must derive from RfidReaderSettings"):
        RFID_READERS.register("odd", NotAReader, never_built)


def test_a_name_is_registered_once(acme: Any) -> None:
    with pytest.raises(ValueError, match="the RFID reader type 'acme' is registered already"):
        RFID_READERS.register("acme", acme.AcmeReaderSettings, acme.acme_reader)


def test_looking_up_an_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(UnknownType, match="no library-system back end of type 'koha'; one of"):
        LIBRARY_SYSTEMS.get("koha")


def test_a_printer_built_on_its_own_needs_no_kiosk(tmp_path: Path) -> None:
    spool = tmp_path / "receipts.bin"
    config = validate_config(
        minimal_config(hardware={"printer": {"type": "file", "address": str(spool), "width": 32}})
    )
    printer = printer_for(config)
    assert printer is not None and printer.columns == 32  # type: ignore[attr-defined]


def test_the_readme_example_table_of_every_vendor_is_valid_toml_text() -> None:
    """The example tables are what docs/extending.md and `kiosk devices types` may show."""
    import tomllib

    for key, registry in REGISTRIES.items():
        for entry in registry:
            lines = [f"{k} = {v!r}" for k, v in entry.example.items()]
            text = textwrap.dedent("\n".join(lines)).replace("'", '"')
            assert tomllib.loads(text) == dict(entry.example), (key, entry.name)


def test_a_printer_model_decides_which_table_selects_the_code_page() -> None:
    """PC865 is table 5 on an Epson and 9 on a Star TSP600: the configured model decides."""
    star = {"type": "escpos-network", "address": "192.0.2.40", "model": "TSP600"}
    config = validate_config(minimal_config(hardware={"printer": star}))
    printer = printer_for(config)
    assert printer is not None
    assert printer.model.name == "TSP600"  # type: ignore[attr-defined]
    assert printer.model.code_pages["cp865"] == 9  # type: ignore[attr-defined]


def test_a_printer_model_or_code_page_the_database_lacks_is_a_config_error() -> None:
    unknown = {"type": "escpos-usb", "address": "04b8:0202", "model": "TM-X1"}
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(hardware={"printer": unknown}))
    [issue] = caught.value.issues
    assert issue.key == "hardware.printer.model"
    assert issue.expected.startswith("a model of the ESC/POS database (AF-240, ")
    lacking = {"type": "simulated", "model": "simple", "code_page": "cp865"}
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(hardware={"printer": lacking}))
    [issue] = caught.value.issues
    assert (issue.key, issue.expected) == (
        "hardware.printer.code_page",
        "a code page printer model 'simple' has (cp437)",
    )
