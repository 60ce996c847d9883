"""The permission to build, publish and unpublish thematic reports, given to Editors.

Until now the report pages borrowed `stages.manage_updates`, an editors-only rule.
"""

from django.db import migrations

GROUP = "Editors"
CODENAME = "build_reports"
NAME = "Can build, publish and unpublish thematic reports"


def grant_to_editors(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="opinions", model="thematicreport")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="opinions", codename=CODENAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("opinions", "0006_stored_search_vector"),
        ("stages", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [
        migrations.AlterModelOptions(
            name="thematicreport",
            options={
                "ordering": ["area__number", "-version"],
                "permissions": [("build_reports", NAME)],
                "verbose_name": "thematic report",
                "verbose_name_plural": "thematic reports",
            },
        ),
        migrations.RunPython(grant_to_editors, revoke),
    ]
