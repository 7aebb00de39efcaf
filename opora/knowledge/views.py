"""The public help centre (/help/) and the agents' knowledge-base pages (/help/manage/)."""

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from opora.core.errors import AttachmentRejected, InvalidInput, NotFound, OporaError
from opora.core.web import paginate, staff_required
from opora.tickets.attachments import IncomingFile

from . import deflection, gaps, search, services
from .access import get_readable_article, readable_articles
from .attachments import INLINE_TYPES
from .forms import ArticleForm, DraftFromMessageForm, VoteForm
from .models import Article, ArticleAttachment, ArticleStatus, Category, SearchScope, Section

SUGGESTION_LIMIT = 5
WIDGET_LIMIT = 5


def _language(request: HttpRequest) -> str:
    return (get_language() or "ru")[:2]


def _readable_or_404(request: HttpRequest, pk: int) -> Article:
    try:
        return get_readable_article(request.user, pk)
    except NotFound as error:
        raise Http404(error.message) from error


def _categories(request: HttpRequest):
    visible = readable_articles(request.user).filter(status=ArticleStatus.PUBLISHED)
    sections = Section.objects.annotate(
        article_count=Count("articles", filter=Q(articles__in=visible.values("pk")))
    )
    return Category.objects.prefetch_related(Prefetch("sections", queryset=sections))


def _contextual(request: HttpRequest, key: str, limit: int | None = None) -> list[Article]:
    """Articles tagged for a product page, in the reader's language when there are any."""
    articles = readable_articles(request.user).filter(
        status=ArticleStatus.PUBLISHED, contexts__key=key
    )
    in_language = articles.filter(language=_language(request))
    if in_language.exists():
        articles = in_language
    articles = articles.order_by("-view_count", "pk")
    return list(articles[:limit] if limit else articles)


def home(request: HttpRequest) -> HttpResponse:
    context_key = request.GET.get("context", "")[:80]
    return render(
        request,
        "knowledge/home.html",
        {
            "categories": _categories(request),
            "context_key": context_key,
            "contextual": _contextual(request, context_key) if context_key else [],
            "popular": readable_articles(request.user)
            .filter(status=ArticleStatus.PUBLISHED, language=_language(request))
            .order_by("-view_count", "pk")[:8],
        },
    )


def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results, log = None, None
    if query:
        staff = request.user.is_authenticated and request.user.is_agent_like
        # Every language: the words of the query already pick the articles written in it.
        results = search.search(query, request.user, include_tickets=staff)
        log = services.log_search(
            query,
            scope=SearchScope.AGENT if staff else SearchScope.HELP_CENTRE,
            language=_language(request),
            result_count=len(results.articles),
            user=request.user,
        )
    return render(
        request, "knowledge/search.html", {"query": query, "results": results, "log": log}
    )


def category(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Category, slug=slug)
    visible = (
        readable_articles(request.user)
        .filter(status=ArticleStatus.PUBLISHED, language=_language(request))
        .order_by("title")
    )
    sections = found.sections.prefetch_related(
        Prefetch("articles", queryset=visible, to_attr="visible_articles")
    )
    return render(request, "knowledge/category.html", {"category": found, "sections": sections})


def article(request: HttpRequest, pk: int) -> HttpResponse:
    found = _readable_or_404(request, pk)
    if found.status == ArticleStatus.PUBLISHED:
        services.record_view(found)
    if request.GET.get("sq", "").isdigit():
        services.record_search_click(int(request.GET["sq"]), found)
    if request.GET.get("from") == "suggestion":
        deflection.record_suggestion_view(request.user, found, request.GET.get("q", ""))
    translations = (
        readable_articles(request.user)
        .filter(translation_group=found.translation_group)
        .exclude(pk=found.pk)
    )
    return render(
        request,
        "knowledge/article.html",
        {
            "article": found,
            "translations": translations,
            "attachments": found.attachments.all(),
            "vote_form": VoteForm(),
        },
    )


@require_safe
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A file of an article, to whoever may read the article (everyone else gets a 404)."""
    found = _readable_or_404(request, pk)
    item = get_object_or_404(ArticleAttachment, pk=attachment_pk, article=found)
    try:
        stream = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("File not found")) from error
    # Only real images (their bytes were checked on upload) are shown in the browser.
    response = FileResponse(
        stream,
        as_attachment=item.content_type not in INLINE_TYPES,
        filename=item.filename,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Never in a shared cache: the article may become internal later.
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    found = _readable_or_404(request, pk)
    form = VoteForm(request.POST)
    if form.is_valid():
        services.vote(
            found, request.user, form.cleaned_data["helpful"], form.cleaned_data["comment"]
        )
        messages.success(request, _("Thank you for your feedback"))
    return redirect("help:article", pk=found.pk)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Articles matching what the customer is typing as a request subject (an htmx fragment)."""
    query = request.GET.get("subject", "").strip()[:200]
    hits = []
    if len(query) >= 3:
        hits = search.search(query, request.user, limit=SUGGESTION_LIMIT).articles
        services.log_search(
            query,
            scope=SearchScope.DEFLECTION,
            language=_language(request),
            result_count=len(hits),
            user=request.user,
        )
    return render(request, "knowledge/_suggestions.html", {"hits": hits, "query": query})


@require_GET
def widget_data(request: HttpRequest) -> JsonResponse:
    """Suggested articles for a host page of the product (static/knowledge/widget.js)."""
    key = request.GET.get("context", "")[:80]
    articles = _contextual(request, key, WIDGET_LIMIT) if key else []
    response = JsonResponse(
        {
            "title": _("Help on this page"),
            "articles": [
                {"title": a.title, "url": request.build_absolute_uri(a.get_absolute_url())}
                for a in articles
            ],
            "help_centre_url": request.build_absolute_uri(
                f"/help/?context={key}" if key else "/help/"
            ),
        }
    )
    # Only public articles are ever listed here, so any product page may embed the widget.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@staff_required
def manage_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    articles = Article.objects.for_list().order_by("-updated_at", "-pk")
    if status in ArticleStatus.values:
        articles = articles.filter(status=status)
    return render(
        request,
        "knowledge/manage_list.html",
        {"page": paginate(request, articles), "status": status, "statuses": ArticleStatus.choices},
    )


def _save_form(request: HttpRequest, form: ArticleForm, instance: Article | None) -> Article:
    data = form.cleaned_data
    if instance is None:
        return services.create_article(
            services.ArticleData(
                title=data["title"],
                body=data["body"],
                section=data["section"],
                language=data["language"],
                visibility=data["visibility"],
                reasons=list(data["reasons"]),
                contexts=form.context_keys(),
                translation_of=_translation_source(request),
            ),
            request.user,
        )
    return services.update_article(
        instance,
        request.user,
        title=data["title"],
        body=data["body"],
        section=data["section"],
        language=data["language"],
        visibility=data["visibility"],
        reasons=list(data["reasons"]),
        contexts=form.context_keys(),
        note=data["note"],
    )


def _translation_source(request: HttpRequest) -> Article | None:
    source = request.GET.get("translation_of", "")
    return Article.objects.filter(pk=source).first() if source.isdigit() else None


@staff_required
def manage_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(Article, pk=pk) if pk else None
    # The form must not write the instance itself: services own every change.
    form = ArticleForm(request.POST or None, instance=Article() if instance is None else instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_form(request, form, instance)
        except OporaError as error:
            form.add_error(next(iter(error.fields), None), error.message)
        else:
            messages.success(request, _("Article saved"))
            return redirect("help:manage_edit", pk=saved.pk)
    versions = list(instance.versions.select_related("author")) if instance else []
    diff = []
    if instance and len(versions) > 1:
        diff = services.version_diff(instance, versions[1].number, versions[0].number)
    return render(
        request,
        "knowledge/manage_edit.html",
        {
            "form": form,
            "article": instance,
            "versions": versions,
            "diff": diff,
            "attachments": instance.attachments.all() if instance else [],
            "next_statuses": services.TRANSITIONS.get(instance.status, set()) if instance else [],
        },
    )


def _attachments_panel(
    request: HttpRequest, article: Article, *, error: str = "", notice: str = ""
) -> HttpResponse:
    """The editor's attachment list as an htmx fragment; without htmx, back to the edit page."""
    if request.headers.get("HX-Request"):
        return render(
            request,
            "knowledge/_attachments_panel.html",
            {
                "article": article,
                "attachments": article.attachments.all(),
                "error": error,
                "notice": notice,
            },
        )
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect("help:manage_edit", pk=article.pk)


@staff_required
def manage_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Article, pk=pk)
    if request.method != "POST":
        return _attachments_panel(request, found)
    upload = request.FILES.get("file")
    if upload is None:
        return _attachments_panel(request, found, error=_("Choose a file to upload"))
    incoming = IncomingFile(upload.name, upload.read(), upload.content_type or "")
    try:
        added = services.add_attachment(found, request.user, incoming)
    except (AttachmentRejected, InvalidInput) as error:
        return _attachments_panel(request, found, error=error.message)
    return _attachments_panel(
        request, found, notice=_("«%(name)s» attached") % {"name": added.filename}
    )


@staff_required
@require_POST
def manage_attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ArticleAttachment.objects.select_related("article"), pk=pk)
    services.delete_attachment(item, request.user)
    return _attachments_panel(
        request, item.article, notice=_("«%(name)s» deleted") % {"name": item.filename}
    )


@staff_required
@require_POST
def manage_transition(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Article, pk=pk)
    try:
        services.transition(found, request.user, request.POST.get("status", ""))
    except OporaError as error:
        messages.error(request, error.message)
    return redirect("help:manage_edit", pk=pk)


@staff_required
@require_POST
def manage_restore(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Article, pk=pk)
    number = request.POST.get("version", "")
    try:
        services.restore_version(found, request.user, int(number) if number.isdigit() else 0)
    except OporaError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Version %(number)s restored") % {"number": number})
    return redirect("help:manage_edit", pk=pk)


@staff_required
@require_POST
def manage_from_message(request: HttpRequest, message_pk: int) -> HttpResponse:
    form = DraftFromMessageForm(request.POST)
    section = form.cleaned_data["section"] if form.is_valid() else Section.objects.first()
    if section is None:
        raise Http404(_("Create a knowledge-base section first"))
    draft = services.draft_from_message(request.user, message_pk, section)
    messages.success(request, _("Draft article created from the reply"))
    return redirect("help:manage_edit", pk=draft.pk)


@staff_required
def manage_gaps(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/manage_gaps.html",
        {"reason_gaps": gaps.reason_gaps(), "query_gaps": gaps.query_gaps()},
    )
