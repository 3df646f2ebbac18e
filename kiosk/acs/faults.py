"""Fault knobs: make the embedded library system misbehave on purpose, at start or at run time.

The kiosk must survive a slow, flaky or offline library system without losing a transaction,
so the tests, the benchmarks and the demo's staff mode need a library system that can be told to
misbehave. Every knob is one attribute of :class:`Faults`; :meth:`Faults.update` sets several
at once with validation (the same names the ``kiosk acs`` options and the control channel use).

Counting knobs are one-shot: ``answer_96=2`` answers the next two requests with 96, after which
the knob reads 0 again. ``drop_after=N`` closes the connection that receives the N-th request
from now (counted over all connections); with ``drop_repeat`` it re-arms and drops every N-th.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from kiosk.acs.errors import FaultSettingError


@dataclass
class Faults:
    latency_ms: float = 0.0  # added before every response
    jitter_ms: float = 0.0  # plus a uniform random 0..jitter_ms
    drop_after: int = 0  # close the connection at the N-th request from now (0 = off)
    drop_repeat: bool = False  # re-arm drop_after after each drop
    drop_before_processing: bool = False  # False: the request is carried out, the reply lost
    corrupt_checksum: int = 0  # corrupt the AZ checksum of the next N responses
    answer_96: int = 0  # answer the next N requests with 96 (request SC resend), unprocessed
    offline: bool = False  # 98 says on-line N; circulation is refused
    refuse_logins: bool = False  # every 93 login is answered with ok=0
    _seen: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    # -- setting ---------------------------------------------------------------------------------

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls) if not f.name.startswith("_")]

    def update(self, **settings: Any) -> Faults:
        """Set knobs by name; values may be strings ("150", "yes") as from a command line."""
        converted = {name: self._convert(name, value) for name, value in settings.items()}
        with self._lock:
            for name, value in converted.items():
                setattr(self, name, value)
            if "drop_after" in converted:
                self._seen = 0
        return self

    def reset(self) -> Faults:
        """Back to a well-behaved library system."""
        return self.update(
            **{f.name: f.default for f in fields(self) if not f.name.startswith("_")}
        )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {name: getattr(self, name) for name in self.names()}

    @classmethod
    def _convert(cls, name: str, value: Any) -> Any:
        kinds = {f.name: f.type for f in fields(cls) if not f.name.startswith("_")}
        if name not in kinds:
            raise FaultSettingError(f"unknown fault knob {name!r} (known: {', '.join(kinds)})")
        kind = kinds[name]
        try:
            if kind == "bool":
                if isinstance(value, str):
                    lowered = value.strip().lower()
                    if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                        raise ValueError(value)
                    return lowered in ("1", "true", "yes", "on")
                return bool(value)
            number = int(value) if kind == "int" else float(value)
        except (TypeError, ValueError):
            raise FaultSettingError(
                f"fault knob {name} needs {'yes/no' if kind == 'bool' else 'a number'},"
                f" got {value!r}"
            ) from None
        if number < 0:
            raise FaultSettingError(f"fault knob {name} cannot be negative, got {value!r}")
        return number

    # -- consulted by the server, once per request -----------------------------------------------

    def delay_seconds(self) -> float:
        with self._lock:
            jitter = self._rng.uniform(0, self.jitter_ms) if self.jitter_ms else 0.0
            return (self.latency_ms + jitter) / 1000.0

    def take_drop(self) -> bool:
        """Count one request; True when this request's connection is to be dropped."""
        with self._lock:
            if not self.drop_after:
                return False
            self._seen += 1
            if self._seen < self.drop_after:
                return False
            self._seen = 0
            if not self.drop_repeat:
                self.drop_after = 0
            return True

    def take_96(self) -> bool:
        return self._take_one("answer_96")

    def take_corrupt(self) -> bool:
        return self._take_one("corrupt_checksum")

    def _take_one(self, knob: str) -> bool:
        """Spend one of a "the next N" knob; False once they are spent."""
        with self._lock:
            left: int = getattr(self, knob)
            if left > 0:
                setattr(self, knob, left - 1)
            return left > 0
