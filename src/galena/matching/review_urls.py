from django.urls import path

from galena.matching import review_views

# the possible-duplicate review queue and its one decision besides merging
urlpatterns = [
    path("matching/duplicates/", review_views.duplicates_queue, name="matching-duplicates"),
    path(
        "matching/duplicates/<int:candidate_id>/dismiss/",
        review_views.duplicates_dismiss,
        name="matching-duplicate-dismiss",
    ),
]
