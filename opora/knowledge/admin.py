from django.contrib import admin

from .models import Article, ArticleVersion, Category, HelpContext, SearchQueryLog, Section


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "position"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "category", "position"]
    list_filter = ["category"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(HelpContext)
class HelpContextAdmin(admin.ModelAdmin):
    search_fields = ["key"]


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "title", "author", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Read-only: edits go through the knowledge-base pages, which keep versions and the index."""

    list_display = ["title", "language", "status", "visibility", "section", "view_count"]
    list_filter = ["status", "visibility", "language", "section__category"]
    search_fields = ["title"]
    readonly_fields = ["view_count", "helpful_count", "unhelpful_count", "translation_group"]
    inlines = [VersionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SearchQueryLog)
class SearchQueryLogAdmin(admin.ModelAdmin):
    list_display = ["query", "scope", "language", "result_count", "clicked_article", "created_at"]
    list_filter = ["scope", "language"]
