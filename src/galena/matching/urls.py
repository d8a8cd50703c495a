from django.urls import path

from galena.matching import views

# merging: the side-by-side page and undoing a merge
urlpatterns = [
    path("matching/merge/", views.merge_page, name="matching-merge"),
    path("matching/merges/<int:merge_id>/unmerge/", views.unmerge, name="matching-unmerge"),
]
