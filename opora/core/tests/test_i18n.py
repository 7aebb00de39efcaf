"""Russian is first-class: every user-facing string is translated and the compiled catalogue is current."""

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


def test_placeholders_survive_translation(russian):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    broken = [
        entry.msgid
        for entry in russian
        if sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(entry.msgstr))
    ]
    assert broken == []


def test_compiled_catalogue_matches_the_source(russian):
    compiled = polib.mofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.mo"))
    assert {e.msgid: e.msgstr for e in compiled} == {
        e.msgid: e.msgstr for e in russian if e.translated()
    }, "run `make messages` to recompile django.mo"
