"""Writes the kiosk's sound cues (short sine chimes) as WAV files beside this script.

Why generated: the cues are ours (no licence questions), tiny, and can be remade exactly:
``python kiosk/ui/sounds/make_sounds.py``.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 16000
#: cue -> list of (frequency Hz, seconds); 0 Hz is silence.
CUES = {
    "ok": [(660.0, 0.09), (880.0, 0.14)],
    "problem": [(330.0, 0.16), (0.0, 0.06), (262.0, 0.22)],
    "attention": [(740.0, 0.12)],
}


def tone(frequency: float, seconds: float) -> list[int]:
    count = int(RATE * seconds)
    fade = int(RATE * 0.01)
    samples = []
    for i in range(count):
        envelope = min(1.0, i / fade, (count - i) / fade) if fade else 1.0
        value = math.sin(2 * math.pi * frequency * i / RATE) if frequency else 0.0
        samples.append(int(0.4 * 32767 * envelope * value))
    return samples


def main() -> None:
    here = Path(__file__).resolve().parent
    for name, parts in CUES.items():
        samples = [s for f, d in parts for s in tone(f, d)]
        with wave.open(str(here / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(struct.pack(f"<{len(samples)}h", *samples))


if __name__ == "__main__":
    main()
