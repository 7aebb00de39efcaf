"""An editor attaches a picture and embeds it, in a real browser (htmx upload, copy, save)."""

import pytest

from opora.core.testing import PASSWORD
from opora.knowledge.seed import login_form_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_editor_uploads_embeds_and_readers_see_the_image(
    page_for,
    live_server,
    make_article,
    tmp_path,
):
    article = make_article("Как сбросить пароль", "<p>Нажмите «Забыли пароль?».</p>")
    picture = tmp_path / "login.png"
    picture.write_bytes(login_form_png())
    page = page_for("anna", PASSWORD)
    page.goto(f"{live_server.url}/help/manage/{article.pk}/")
    page.set_input_files("#attachment-file", str(picture))
    page.click("#article-attachments form[enctype] button[type=submit]")
    embed_code = page.locator("#article-attachments input[readonly]")
    embed_code.wait_for()
    code = embed_code.input_value()
    assert code.startswith(f'<img src="/help/a/{article.pk}/attachments/')
    body = page.locator("#id_body")
    body.fill(
        body.input_value() + code + '<img src="https://evil.example/x" onerror="window.__xss=1">'
    )
    with page.expect_navigation():
        page.click("main form.panel > button[type=submit]")
    page.goto(f"{live_server.url}/help/a/{article.pk}/")
    image = page.locator("article .body img")
    assert image.count() == 1
    page.wait_for_function("document.querySelector('article .body img').complete")
    assert image.evaluate("img => img.naturalWidth") == 120
    assert page.evaluate("window.__xss") is None
    assert page.locator("text=login.png").first.is_visible()
