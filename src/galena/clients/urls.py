from django.urls import path

from galena.clients import personal_data_views, views

urlpatterns = [
    path("leads/<int:lead_id>/convert/", views.lead_convert, name="client-convert"),
    path("clients/", views.client_list, name="client-list"),
    path("clients/accounts/<int:account_id>/", views.account_detail, name="client-account"),
    path("clients/accounts/<int:account_id>/edit/", views.account_edit, name="client-account-edit"),
    path(
        "clients/accounts/<int:account_id>/deals/",
        views.account_deal_new,
        name="client-account-deal-new",
    ),
    path("clients/deals/<int:deal_id>/stage/", views.deal_stage, name="client-deal-stage"),
    path(
        "clients/accounts/<int:account_id>/owner/",
        views.account_assign,
        name="client-account-assign",
    ),
    path("clients/contacts/<int:contact_id>/", views.contact_detail, name="client-contact"),
    path("clients/contacts/<int:contact_id>/edit/", views.contact_edit, name="client-contact-edit"),
    path(
        "clients/contacts/<int:contact_id>/methods/",
        views.contact_method_add,
        name="client-contact-method-add",
    ),
    path(
        "clients/contacts/<int:contact_id>/owner/",
        views.contact_assign,
        name="client-contact-assign",
    ),
    path(
        "clients/contacts/<int:contact_id>/deals/",
        views.contact_deal_new,
        name="client-contact-deal-new",
    ),
    path(
        "clients/contacts/<int:contact_id>/consent/",
        personal_data_views.contact_consent_add,
        name="client-contact-consent-add",
    ),
    path(
        "clients/contacts/<int:contact_id>/consent/block/",
        personal_data_views.contact_block,
        name="client-contact-block",
    ),
    path(
        "clients/contacts/<int:contact_id>/consent/block/<int:restriction_id>/lift/",
        personal_data_views.contact_lift,
        name="client-contact-lift",
    ),
]
