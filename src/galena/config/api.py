"""The JSON API at /api/v1/: one NinjaAPI, routers from the apps."""
