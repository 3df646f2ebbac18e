"""Give the memory a finished session freed back to the system.

Why: the kiosk runs for weeks on a Pi with 150 MB to spend, and a session's peaks (a screen
rebuilt in Arabic with large text, a stack's rows, their label textures) are freed by Python
and Kivy but kept by the C allocator for reuse: resident memory only ever grows to the largest
peak seen. glibc's ``malloc_trim`` returns the free pages at the top of the heap and inside it;
after every language and look has been shown it gives back ~7 MB here. It walks the heap (a
few milliseconds), so it runs once per session, when the screen has been wiped and is idle.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache
from typing import Any

__all__ = ["release_free_memory"]

log = logging.getLogger(__name__)


@cache
def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "malloc_trim") else None  # glibc only (not musl)
    except OSError:
        return None


def release_free_memory() -> bool:
    """Return freed heap memory to the system; False where the C library cannot."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
