"""The simulated receipt printer for ``kiosk demo`` and tests.

It is the real :class:`~drivers.printer.escpos_printer.EscPosPrinter` wired to an in-process
:class:`~drivers.printer.device.EscPosDevice`, so receipts go through the real ESC/POS encoder and
status checks. Every cut receipt is kept in :attr:`SimulatedPrinter.receipts` and, when an output
folder is given, saved as ``receipt-0001.png`` and ``receipt-0001.txt`` for people and tests to
look at. The device's fault knobs (paper, cover, paper_lines, silent) are reachable through
:attr:`SimulatedPrinter.device`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .device import EscPosDevice, LoopbackTransport, PrintedReceipt
from .escpos_printer import EscPosPrinter


class SimulatedPrinter(EscPosPrinter):
    def __init__(
        self,
        output_dir: Path | str | None = None,
        *,
        model: str = "default",
        code_pages: Sequence[str] | None = None,
        columns: int | None = None,
        png: bool = True,
    ) -> None:
        self.device = EscPosDevice(model)
        super().__init__(
            LoopbackTransport(self.device),
            model=model,
            code_pages=code_pages,
            columns=columns,
            status_timeout=0.2,
        )
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.png = png
        self.saved: list[Path] = []  # files written, PNG and text
        self.device.on_receipt = self._save

    @property
    def receipts(self) -> list[PrintedReceipt]:
        return self.device.receipts

    def _save(self, receipt: PrintedReceipt) -> None:
        if self.output_dir is None:
            return
        # Pillow loads with the first receipt kept on disk, not with every kiosk (drivers._lazy).
        from .render import render_png, render_text

        stem = self.output_dir / f"receipt-{len(self.device.receipts):04d}"
        self.output_dir.mkdir(parents=True, exist_ok=True)
        text_path = stem.with_suffix(".txt")
        text_path.write_text(
            render_text(receipt, self.columns or self.model.columns), encoding="utf-8"
        )
        self.saved.append(text_path)
        if self.png:
            self.saved.append(render_png(receipt, stem.with_suffix(".png")))
