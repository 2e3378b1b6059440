"""AccessEvent moves to the audit app (audit/migrations/0001): forgotten here in Django's
state only — the table, its rows and indexes stay where they are, and audit takes it over
under the same name (db_table "access_accessevent")."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0006_mass_revoke_brake_held_suggestions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AccessEvent")],
            database_operations=[],
        ),
    ]
