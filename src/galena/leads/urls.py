from django.urls import path

from galena.leads import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/new/", views.lead_new, name="lead-new"),
    path("leads/bulk/", views.lead_bulk, name="lead-bulk"),
    path("leads/bulk/fields/", views.lead_bulk_fields, name="lead-bulk-fields"),
    path("leads/board/", views.lead_board, name="lead-board"),
    path("leads/count/", views.lead_count, name="lead-count"),
    path("leads/board/counts/", views.lead_board_counts, name="lead-board-counts"),
    path("leads/board/stages/<int:stage_id>/", views.lead_board_column, name="lead-board-column"),
    path("leads/<int:lead_id>/board-move/", views.lead_board_move, name="lead-board-move"),
    path("leads/filters/", views.saved_filter_save, name="saved-filter-save"),
    path(
        "leads/filters/<int:saved_filter_id>/delete/",
        views.saved_filter_delete,
        name="saved-filter-delete",
    ),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:lead_id>/edit/", views.lead_edit, name="lead-edit"),
    path("leads/<int:lead_id>/forms/<str:name>/", views.lead_card_form, name="lead-card-form"),
    path("leads/<int:lead_id>/fields/<str:field>/", views.lead_field_edit, name="lead-field"),
    path("leads/<int:lead_id>/contacts/", views.lead_contact_add, name="lead-contact-add"),
    path("leads/<int:lead_id>/notes/", views.lead_note_add, name="lead-note-add"),
    path("leads/<int:lead_id>/tasks/", views.lead_task_add, name="lead-task-add"),
    path(
        "leads/<int:lead_id>/tasks/<int:task_id>/complete/",
        views.lead_task_complete,
        name="lead-task-complete",
    ),
    path("leads/<int:lead_id>/stage/", views.lead_stage_change, name="lead-stage"),
    path("leads/<int:lead_id>/owner/", views.lead_assign, name="lead-assign"),
    path("sources/", views.sources, name="sources"),
]
