"""Public intake pages: hosted forms, quizzes, the embed script, quick entry."""

urlpatterns = []
