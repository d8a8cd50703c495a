from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "galena.core"
    label = "core"

    def ready(self) -> None:
        # field__in_array=ids, for every app's queries (core.bulk.InArray)
        from django.db.models import Field, ForeignKey

        from galena.core.bulk import InArray, binary_array_register

        Field.register_lookup(InArray)
        ForeignKey.register_lookup(InArray)
        binary_array_register()
        # field__in=values as one array parameter on PostgreSQL (core.lookups)
        from galena.core import lookups

        lookups.register()
