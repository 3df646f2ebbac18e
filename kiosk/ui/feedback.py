"""Sound cues and spoken prompts: feedback for patrons who do not watch (or cannot read) the screen.

Why separate from the screens: the cue for "done" or "problem" follows the *event*, whatever
screen shows it, and tests check which cues and prompts a flow produced without a sound card.

- :class:`SoundCues` plays the bundled WAV cues through Kivy's audio (quietly doing nothing when
  the machine has no audio device) and remembers what it played.
- :class:`Speaker` reads prompts aloud with Debian's ``espeak-ng`` in the language's voice (see
  ``kiosk.ui.i18n.LANGUAGES``); ``wav_dir`` makes it write WAV files instead of playing, which is
  how the tests check every voiced language really produces speech.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

__all__ = ["CUES", "SoundCues", "Speaker"]

log = logging.getLogger(__name__)

SOUNDS_DIR = Path(__file__).resolve().parent / "sounds"
#: The cues the kiosk plays: a rising chime, a low double tone, a soft attention ping.
CUES = ("ok", "problem", "attention")


class SoundCues:
    """Plays short cues; ``played`` lists every cue asked for, in order (for tests and demos)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.played: list[str] = []
        self._sounds: dict[str, object | None] = {}

    def play(self, cue: str) -> None:
        if cue not in CUES:
            raise ValueError(f"unknown sound cue {cue!r}; known: {', '.join(CUES)}")
        self.played.append(cue)
        if not self.enabled:
            return
        sound = self._load(cue)
        if sound is not None:
            try:
                sound.play()  # type: ignore[attr-defined]
            except Exception:  # an audio device vanishing must never stop a loan
                log.warning("sound cue %s could not be played", cue)

    def preload(self) -> None:
        """Load every cue now, so the first chime of a stack does not make its frame pay for
        Kivy's audio and the WAV file (about 6 ms here). Nothing is played or recorded."""
        if self.enabled:
            for cue in CUES:
                self._load(cue)

    def _load(self, cue: str) -> object | None:
        if cue not in self._sounds:
            try:
                from kivy.core.audio import SoundLoader

                self._sounds[cue] = SoundLoader.load(str(SOUNDS_DIR / f"{cue}.wav"))
            except Exception:
                self._sounds[cue] = None
        return self._sounds[cue]


class Speaker:
    """Speaks prompts with espeak-ng, one at a time (a new prompt cuts the previous one off).

    ``enabled`` is the patron's choice on the welcome screen; ``available`` says whether
    espeak-ng is installed. ``spoken`` keeps (voice, text) pairs for tests.
    """

    def __init__(
        self, *, enabled: bool = False, wav_dir: Path | None = None, binary: str = "espeak-ng"
    ) -> None:
        self.enabled = enabled
        self.wav_dir = wav_dir
        self.binary = shutil.which(binary)
        self.spoken: list[tuple[str, str]] = []
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def available(self) -> bool:
        return self.binary is not None

    def say(self, text: str, voice: str | None) -> Path | None:
        """Speak ``text`` (logical order) in ``voice``; returns the WAV path in ``wav_dir`` mode.

        Does nothing when disabled, when the language has no voice, or without espeak-ng.
        """
        if not (self.enabled and voice and text.strip() and self.binary):
            return None
        self.spoken.append((voice, text))
        self.stop()
        command = [self.binary, "-v", voice, "-s", "150"]
        target: Path | None = None
        if self.wav_dir is not None:
            self.wav_dir.mkdir(parents=True, exist_ok=True)
            target = self.wav_dir / f"prompt-{len(self.spoken):04d}-{voice}.wav"
            command += ["-w", str(target)]
        command.append(text)
        try:
            if target is not None:
                subprocess.run(command, check=True, capture_output=True, timeout=20)
            else:
                self._process = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("espeak-ng failed for voice %s: %s", voice, error)
            return None
        return target

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
