"""Russian is first-class: every user-facing string is translated and the compiled catalogue is current."""

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.fixture(scope="module")
def russian():
    return polib.pofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.po"))


def test_every_string_has_a_russian_translation(russian):
    untranslated = [
        entry.msgid for entry in russian if not entry.translated() and not entry.obsolete
    ]
    assert untranslated == []
    assert [entry.msgid for entry in russian.fuzzy_entries()] == []


def translations_of(entry) -> list[str]:
    return (
        [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
        if entry.msgid_plural
        else [entry.msgstr]
    )


def test_placeholders_survive_translation(russian):
    placeholder = re.compile(r"%\(\w+\)(?:\.\d+)?[sdf]")
    broken = [
        (entry.msgid, text)
        for entry in russian
        for text in translations_of(entry)
        if sorted(set(placeholder.findall(entry.msgid))) != sorted(set(placeholder.findall(text)))
    ]
    assert broken == []


def test_compiled_catalogue_matches_the_source(russian):
    compiled = polib.mofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.mo"))
    assert {e.msgid: translations_of(e) for e in compiled} == {
        e.msgid: translations_of(e) for e in russian if e.translated()
    }, "run `make messages` to recompile django.mo"
