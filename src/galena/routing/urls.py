from django.urls import path

from galena.routing import views

urlpatterns = [
    path("speed/", views.speed_report, name="routing-speed"),
    path("leads/<int:lead_id>/sla/", views.sla_panel, name="routing-sla-panel"),
    path("leads/<int:lead_id>/hand-off/", views.hand_off, name="routing-hand-off"),
]
