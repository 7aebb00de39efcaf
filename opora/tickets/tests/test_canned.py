from hypothesis import given
from hypothesis import strategies as st

from opora.tickets.canned import fill_placeholders


def test_known_placeholders_fill_and_unknown_stay_visible():
    values = {"customer.first_name": "Анна", "ticket.number": "42"}
    text = fill_placeholders(
        "Здравствуйте, {{ customer.first_name }}! #{{ticket.number}} {{ customer.password }}",
        values,
    )
    assert text == "Здравствуйте, Анна! #42 {{ customer.password }}"


@given(st.text())
def test_text_without_placeholders_is_unchanged(text):
    if "{{" not in text:
        assert fill_placeholders(text, {"customer.name": "x"}) == text
