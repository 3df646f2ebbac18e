"""Sound cues and spoken prompts: every voiced UI language really speaks (espeak-ng)."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from kiosk.core import Action, Reason, events
from kiosk.ui.events_feedback import cue_for
from kiosk.ui.feedback import CUES, SOUNDS_DIR, SoundCues, Speaker
from kiosk.ui.i18n import LANGUAGES, Translator

VOICED = [code for code, lang in LANGUAGES.items() if lang.voice]


def test_languages_with_an_espeak_voice_are_the_expected_ones() -> None:
    assert set(VOICED) == {"sv", "nb", "nn", "da", "fi", "en", "ar", "uk"}


@pytest.mark.parametrize("code", VOICED)
def test_every_voiced_language_speaks_its_welcome(code: str, tmp_path: Path) -> None:
    speaker = Speaker(enabled=True, wav_dir=tmp_path)
    assert speaker.available, "espeak-ng is installed by .ci/setup"
    text = Translator(code)("Place your library card on the reader, or choose what you want to do.")
    path = speaker.say(text, LANGUAGES[code].voice)
    assert path is not None
    with wave.open(str(path)) as audio:
        assert audio.getnframes() / audio.getframerate() > 1.0  # a real sentence, not silence


def test_a_disabled_speaker_or_a_voiceless_language_stays_silent(tmp_path: Path) -> None:
    assert Speaker(enabled=False, wav_dir=tmp_path).say("Hei", "fi") is None
    assert Speaker(enabled=True, wav_dir=tmp_path).say("Bures", None) is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("cue", CUES)
def test_the_sound_cues_are_short_wav_files(cue: str) -> None:
    with wave.open(str(SOUNDS_DIR / f"{cue}.wav")) as audio:
        assert 0.05 < audio.getnframes() / audio.getframerate() < 1.0


def test_success_and_problems_sound_different() -> None:
    assert cue_for(events.ItemBorrowed(item_id="1", title="", due_date=None)) == "ok"
    refused = events.ItemRefused(item_id="1", action=Action.BORROW, reason=Reason.ITEM_UNKNOWN)
    assert cue_for(refused) == "problem"
    assert cue_for(events.SecurityNotCleared(item_id="1", action=Action.BORROW)) == "problem"
    assert cue_for(events.InactivityWarning(seconds_left=5)) == "attention"
    assert cue_for(events.ItemChecking(item_id="1", action=Action.BORROW)) is None


def test_cues_are_recorded_even_without_a_sound_card() -> None:
    cues = SoundCues(enabled=False)
    cues.play("ok")
    assert cues.played == ["ok"]
    with pytest.raises(ValueError, match="unknown sound cue"):
        cues.play("fanfare")
