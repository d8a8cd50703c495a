from django.urls import path

from galena.consent import views

urlpatterns = [
    path("leads/<int:lead_id>/consent/", views.consent_add, name="consent-add"),
    path("leads/<int:lead_id>/consent/block/", views.block, name="consent-block"),
    path(
        "leads/<int:lead_id>/consent/block/<int:restriction_id>/lift/",
        views.lift,
        name="consent-lift",
    ),
    path("leads/<int:lead_id>/consent/rectify/", views.rectify, name="consent-rectify"),
]
