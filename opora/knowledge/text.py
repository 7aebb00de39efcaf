"""Language-aware word handling shared by the search backends (pure).

SQLite's FTS5 has no Russian stemmer, so both the indexed text and the queries are reduced to
Snowball stems here; PostgreSQL stems on its own but uses the same tokenizer for typo fixes and
for the embedded backend's snippets, so both backends treat words alike."""

import re
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"\w+", re.UNICODE)
CYRILLIC = re.compile(r"[а-яё]")
# Shorter tokens are mostly noise ("в", "a") and would match almost every document.
MIN_WORD_LENGTH = 2
MAX_QUERY_WORDS = 12

_russian = snowballstemmer.stemmer("russian")
_english = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words; «ё» folds to «е» as Russian writers use them interchangeably."""
    return [
        word
        for word in WORD.findall(text.lower().replace("ё", "е"))
        if len(word) >= MIN_WORD_LENGTH or word.isdigit()
    ]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    stemmer = _russian if CYRILLIC.search(word) else _english
    return stemmer.stemWord(word)


def stems(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


def stemmed_text(text: str) -> str:
    """What the embedded backend stores in its FTS5 table instead of the original text."""
    return " ".join(stems(text))


def query_stems(query: str) -> list[str]:
    """The distinct stems of a search query, in order, capped so a pasted essay stays cheap."""
    unique = dict.fromkeys(stems(query))
    return list(unique)[:MAX_QUERY_WORDS]


def highlight(text: str, query: str, *, width: int = 200) -> str:
    """An HTML-escaped excerpt around the first matching word, matches wrapped in <mark>.

    Matching is by stem, so «паролем» in the text is marked for the query «пароль»."""
    from django.utils.html import escape

    wanted = set(query_stems(query))
    spans = [
        match.span()
        for match in WORD.finditer(text)
        if stem(match.group().lower().replace("ё", "е")) in wanted
    ]
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(text), start + width)
    parts: list[str] = ["…" if start else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts.append(escape(text[cursor:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    return "".join(parts)
