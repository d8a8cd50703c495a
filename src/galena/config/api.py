"""The JSON API at /api/v1/: one NinjaAPI, routers from the apps."""

from ninja import NinjaAPI

api = NinjaAPI(title="Galena API", version="1", urls_namespace="api")
