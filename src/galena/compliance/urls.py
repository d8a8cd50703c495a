from django.urls import path

from galena.compliance import views

urlpatterns = [
    # public: no login
    path("data-request/", views.public_request, name="compliance-public-request"),
    path("data-request/v/<str:token>/", views.public_verify, name="compliance-public-verify"),
    # staff
    path("compliance/requests/", views.request_list, name="compliance-requests"),
    path("compliance/requests/new/", views.request_new, name="compliance-request-new"),
    path("compliance/requests/<int:request_id>/", views.request_detail, name="compliance-request"),
    path(
        "compliance/requests/<int:request_id>/act/",
        views.request_act,
        name="compliance-request-act",
    ),
    path("compliance/audit/", views.audit_list, name="compliance-audit"),
    path("compliance/register/", views.register_page, name="compliance-register"),
]
