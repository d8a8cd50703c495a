from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from galena.accounts.models import ApiToken, Profile, Team


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["role", "team", "capacity_per_day", "products", "languages", "working_hours", "phone"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class GalenaUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "role", "team", "is_active"]
    list_select_related = ["profile", "profile__team"]
    list_filter = ["profile__role", "profile__team", "is_active", "is_staff"]

    @admin.display(ordering="profile__role")
    def role(self, user):
        return user.profile.get_role_display() if hasattr(user, "profile") else "—"

    @admin.display(ordering="profile__team__name")
    def team(self, user):
        return user.profile.team if hasattr(user, "profile") else None


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "head", "time_zone"]
    search_fields = ["name"]
    autocomplete_fields = ["head"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "key_prefix"]
    readonly_fields = ["key_hash", "key_prefix", "last_used_at", "created_at"]

    def has_add_permission(self, request):
        # tokens are shown once at creation: create them on the profile page or with
        # `galena token create`, never here where the key could not be displayed
        return False
