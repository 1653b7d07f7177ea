"""Step 2 of 3: every stored profile and list version is held by its author's agency (the
agency that uploaded it, as the web application has always recorded through the author)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def held_by_author_agency(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for name in ("ProfileVersion", "ListVersion"):
        model = apps.get_model("profiles", name)
        author_agency = User.objects.filter(pk=OuterRef("author_id")).values("agency_id")[:1]
        model.objects.filter(agency__isnull=True).update(agency_id=Subquery(author_agency))


class Migration(migrations.Migration):
    dependencies = [("profiles", "0003_reviewed_versions_held_by_agency")]

    operations = [migrations.RunPython(held_by_author_agency, migrations.RunPython.noop)]
