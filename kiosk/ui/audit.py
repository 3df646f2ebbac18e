"""The layout audit: what a patron would see wrong on the screen as it is drawn now.

Why: the screens are built for an 800x480 panel in ten languages, with large text and high
contrast; a translation one word longer, or a library's long message, is enough to cut a text,
push a button off the screen or lay one widget over another. Reading screenshots does not
scale to every step of every visit in every language and look, so the scenarios run this audit
at each step and fail on any finding (``kiosk demo --scenario``, ``tests/ui``).

What counts as a finding (each one a :class:`Finding`):

- ``clipped``: a text larger than its widget (cut at the edge), or a widget that sticks out of
  the layout that holds it;
- ``broken``: a word broken over two lines (Kivy breaks a word wider than the room wherever
  it runs out: "Dhamme" / "e");
- ``outside``: a widget (or part of it) outside the window;
- ``overlap``: two texts, buttons or pictures on top of each other;
- ``small``: a touch target under ``MIN_TARGET_PX`` (9 mm on the 7" panel);
- ``contrast``: a text whose colour, as drawn over the pixels behind it, is under 3:1 for a
  disabled control, 4.5:1 otherwise, and 7:1 in high contrast (WCAG 2 contrast ratio); a scroll
  bar under 3:1 (a graphical object, WCAG 1.4.11);
- ``hidden``: the newest item of a list that follows its newest item is not in view.

Widgets inside a scroll area are judged by the part of them in view: text scrolled out of sight
is not cut, it is reachable. Widgets under an open dialog are not judged (they cannot be
touched or read through it); the dialog is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.image import Image
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from kiosk.ui.theme import contrast_ratio
from kiosk.ui.widgets import Illustration, KLabel, KScroll

__all__ = ["MIN_TARGET_PX", "Finding", "audit"]

#: The smallest touch target: 9 mm on the 7" 800x480 panel (about 5.2 px per mm).
MIN_TARGET_PX = 40

#: Pixels of tolerance for layout rounding.
_SLACK = 0.5

Box = tuple[float, float, float, float]  # left, bottom, right, top (window pixels)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # clipped | broken | outside | overlap | small | contrast | hidden
    widget: str  # the widget's text, or its class
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.widget!r} {self.detail}"


def _name(widget: Widget) -> str:
    text = getattr(widget, "logical", None)
    if isinstance(text, str) and text.strip():
        return text if len(text) <= 60 else text[:57] + "..."
    return type(widget).__name__


def _box(widget: Widget) -> Box:
    left, bottom = widget.to_window(widget.x, widget.y)
    return left, bottom, left + widget.width, bottom + widget.height


def _intersect(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    if box[2] - box[0] <= _SLACK or box[3] - box[1] <= _SLACK:
        return None
    return box


def _ancestors(widget: Widget) -> Iterator[Widget]:
    """``widget``'s parents up to the window (whose own parent is itself)."""
    parent = widget.parent
    while parent is not None and parent is not Window:
        yield parent
        parent = parent.parent


def _visible_part(widget: Widget) -> Box | None:
    """The part of ``widget`` not scrolled out of sight (None: none of it)."""
    box: Box | None = _box(widget)
    for parent in _ancestors(widget):
        if box is None:
            break
        if isinstance(parent, KScroll):
            box = _intersect(box, _box(parent))
    return box


def _in_scroll(widget: Widget) -> bool:
    return any(isinstance(parent, KScroll) for parent in _ancestors(widget))


def _is_ancestor(ancestor: Widget, widget: Widget) -> bool:
    return any(parent is ancestor for parent in _ancestors(widget))


def _layers() -> list[Widget]:
    """The window's top-level widgets that can be seen: the topmost dialog and what is above
    it, or the screen when no dialog is open."""
    children = list(Window.children)  # topmost first
    for index, child in enumerate(children):
        if isinstance(child, ModalView):
            return children[: index + 1]
    return children


def _shown(layer: Widget) -> Iterator[Widget]:
    for widget in layer.walk(restrict=True):
        if widget.get_root_window() is not None and widget.opacity > 0:
            yield widget


class _Pixels:
    """The window's pixels as drawn now (read back once per audit)."""

    def __init__(self) -> None:
        from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
        from PIL import Image as PilImage

        # Drawn now, read before any swap: after a swap the buffer read back may hold an older
        # frame (a look just switched read as the one before it).
        Window.dispatch("on_draw")
        width, height = (int(v) for v in Window.size)
        data = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
        # OpenGL's rows start at the bottom, like Kivy's coordinates.
        self.image = PilImage.frombytes("RGBA", (width, height), data).convert("RGB")
        self.height = height

    def background(self, box: Box) -> tuple[float, float, float] | None:
        """The commonest colour in ``box``: what the text there is drawn on."""
        left, bottom, right, top = (round(v) for v in box)
        left, right = max(left, 0), min(right, self.image.width)
        bottom, top = max(bottom, 0), min(top, self.height)
        if right - left < 1 or top - bottom < 1:
            return None
        crop = self.image.crop((left, bottom, right, top))
        colours = crop.getcolors(maxcolors=crop.width * crop.height)
        if not colours:
            return None
        _, colour = max(colours, key=lambda entry: entry[0])
        assert isinstance(colour, tuple)  # an RGB image: each colour is (red, green, blue)
        red, green, blue = colour[:3]
        return red / 255, green / 255, blue / 255


def _blend(
    colour: tuple[float, ...], background: tuple[float, float, float]
) -> tuple[float, float, float, float]:
    alpha = colour[3] if len(colour) > 3 else 1.0
    mixed = [c * alpha + b * (1 - alpha) for c, b in zip(colour[:3], background, strict=True)]
    return mixed[0], mixed[1], mixed[2], 1.0


def _wanted_contrast(label: KLabel, high_contrast: bool) -> float:
    if label.disabled:
        return 3.0
    return 7.0 if high_contrast else 4.5


def audit(app: Any) -> list[Finding]:
    """Every finding on the window as drawn now (call after a frame has been drawn)."""
    findings: list[Finding] = []
    window: Box = (0.0, 0.0, float(Window.width), float(Window.height))
    pixels = _Pixels()
    high_contrast = bool(getattr(app, "high_contrast", False))
    leaves: list[tuple[Widget, Box, Widget]] = []
    for layer in _layers():
        for widget in _shown(layer):
            findings += _check_widget(widget, window)
            if isinstance(widget, KScroll):
                findings += _check_scroll(widget, pixels)
            if not isinstance(widget, KLabel | Image | Illustration):
                continue
            visible = _visible_part(widget)
            if visible is None:
                continue
            leaves.append((widget, visible, layer))
            if isinstance(widget, KLabel) and widget.logical.strip():
                findings += _check_text(widget, visible, pixels, high_contrast)
    findings += _check_overlaps(leaves)
    return findings


def _check_widget(widget: Widget, window: Box) -> list[Finding]:
    findings: list[Finding] = []
    box = _box(widget)
    if widget.width <= 0 or widget.height <= 0:
        return findings
    if not _in_scroll(widget) and (
        box[0] < window[0] - _SLACK
        or box[1] < window[1] - _SLACK
        or box[2] > window[2] + _SLACK
        or box[3] > window[3] + _SLACK
    ):
        findings.append(Finding("outside", _name(widget), f"at {_rounded(box)}"))
    parent = widget.parent
    if (
        isinstance(widget, KLabel | Image | Illustration)
        and parent is not None
        and parent is not Window
        and not isinstance(parent, KScroll)
        and parent.width > 0
        and parent.height > 0
    ):
        outer = _box(parent)
        if (
            box[0] < outer[0] - _SLACK
            or box[1] < outer[1] - _SLACK
            or box[2] > outer[2] + _SLACK
            or box[3] > outer[3] + _SLACK
        ):
            findings.append(
                Finding("clipped", _name(widget), f"sticks out of its {type(parent).__name__}")
            )
    too_small = min(widget.width, widget.height) < MIN_TARGET_PX - _SLACK
    if isinstance(widget, ButtonBehavior) and not widget.disabled and too_small:
        size = f"{widget.width:.0f}x{widget.height:.0f}"
        findings.append(Finding("small", _name(widget), f"is a {size} px target"))
    return findings


def _check_text(label: KLabel, visible: Box, pixels: _Pixels, high_contrast: bool) -> list[Finding]:
    findings = []
    texture_w, texture_h = label.texture_size
    if texture_w > label.width + _SLACK or texture_h > label.height + _SLACK:
        findings.append(
            Finding(
                "clipped",
                _name(label),
                f"text {texture_w:.0f}x{texture_h:.0f} in a {label.width:.0f}x{label.height:.0f}"
                " widget",
            )
        )
    broken = _broken_words(label)
    if broken:
        findings.append(Finding("broken", _name(label), f"shows {' / '.join(broken)}"))
    background = pixels.background(visible)
    if background is None:
        return findings
    colour = label.disabled_color if label.disabled else label.color
    ratio = contrast_ratio(_blend(tuple(colour), background), (*background, 1.0))
    wanted = _wanted_contrast(label, high_contrast)
    if ratio < wanted - 0.01:
        state = " (disabled)" if label.disabled else ""
        findings.append(
            Finding("contrast", _name(label), f"{ratio:.1f}:1{state}, needs {wanted:.1f}:1")
        )
    return findings


def _broken_words(label: KLabel) -> list[str]:
    """The pieces of words the rendered label split over two lines."""
    lines = label._label._cached_lines if label._label is not None else []
    if len(lines) < 2:
        return []
    rendered = [word.text for line in lines for word in line.words]
    whole = set(label.text.split())
    return [piece for piece in " ".join(rendered).split() if piece not in whole]


def _check_scroll(scroll: KScroll, pixels: _Pixels) -> list[Finding]:
    findings: list[Finding] = []
    content = scroll.children[0] if scroll.children else None
    if content is None:
        return findings
    overflows = content.height > scroll.height + _SLACK
    if overflows:
        box = _box(scroll)
        background = pixels.background(box)
        if background is not None:
            bar = _blend(tuple(scroll.bar_inactive_color), background)
            ratio = contrast_ratio(bar, (*background, 1.0))
            if ratio < 3.0 - 0.01:
                findings.append(
                    Finding("contrast", "scroll bar", f"{ratio:.1f}:1, needs 3.0:1 to be seen")
                )
    newest = scroll.keep_in_view
    if newest is not None and newest.get_root_window() is not None:
        shown = _visible_part(newest)
        needed = min(newest.height, scroll.height) - 1.0
        if shown is None or shown[3] - shown[1] < needed:
            findings.append(Finding("hidden", _name(newest), "(the newest item) is out of view"))
    return findings


def _check_overlaps(leaves: list[tuple[Widget, Box, Widget]]) -> list[Finding]:
    findings = []
    for index, (first, a, layer_a) in enumerate(leaves):
        for second, b, layer_b in leaves[index + 1 :]:
            if layer_a is not layer_b or _is_ancestor(first, second) or _is_ancestor(second, first):
                continue
            if _intersect(a, b) is not None:
                findings.append(Finding("overlap", _name(first), f"lies over {_name(second)!r}"))
    return findings


def _rounded(box: Box) -> tuple[int, ...]:
    return tuple(round(v) for v in box)


def summary(findings: list[Finding], limit: int = 12) -> str:
    """The findings as lines for a failure message (the first ``limit``, then a count)."""
    counts = Counter(f.kind for f in findings)
    lines = [str(f) for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more")
    lines.append("(" + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) + ")")
    return "\n".join(lines)
