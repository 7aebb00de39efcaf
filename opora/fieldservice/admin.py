from django.contrib import admin

from .models import Absence, ServiceArea, Skill, Technician, WorkOrder, WorkOrderPart


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "latitude", "longitude", "time_zone")


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("user", "base_area", "work_start", "work_end", "is_active")
    list_filter = ("is_active", "base_area")
    filter_horizontal = ("skills", "areas")
    inlines = [AbsenceInline]


class PartInline(admin.TabularInline):
    model = WorkOrderPart
    extra = 0


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("reference", "ticket", "kind", "status", "technician", "scheduled_start")
    list_filter = ("status", "kind", "area")
    raw_id_fields = ("ticket", "asset", "created_by", "dispatched_by")
    exclude = ("nonce", "mailed_nonce")
    inlines = [PartInline]
