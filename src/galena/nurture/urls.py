from django.urls import path

from galena.nurture import views

urlpatterns = [
    # public, signed links from the e-mails
    path("u/<str:token>/", views.unsubscribe, name="nurture-unsubscribe"),
    path("q/<str:token>/", views.questionnaire, name="nurture-questionnaire"),
    # the deferred-demand base and the farewell answers
    path("leads/deferred/", views.deferred_base, name="deferred-base"),
    path("leads/deferred/farewell/", views.farewell_report, name="farewell-report"),
    # the card panel's actions
    path("leads/<int:lead_id>/farewell/", views.farewell_send, name="nurture-farewell-send"),
    path("leads/<int:lead_id>/nurture/enroll/", views.enroll, name="nurture-enroll"),
    path("leads/<int:lead_id>/nurture/stop/", views.stop, name="nurture-stop"),
    path("leads/<int:lead_id>/reactivate/", views.reactivate, name="nurture-reactivate"),
]
