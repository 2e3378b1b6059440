"""The audit log, taken over from access (see access/migrations/0007)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('access', '0007_accessevent_moved_to_audit'),
        ('properties', '0001_initial'),
        ('residents', '0004_resident_email_key_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The table exists already (created by access/0001 when the log lived there): taken
    # over in Django's state only, nothing is created or copied.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='AccessEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('actor_label', models.CharField(max_length=150)),
                ('action', models.CharField(max_length=32)),
                ('subject', models.CharField(max_length=300)),
                ('reason', models.CharField(blank=True, max_length=500)),
                ('data', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(db_index=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('key', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='access_events', to='access.key')),
                ('property', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='access_events', to='properties.property')),
                ('resident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='access_events', to='residents.resident')),
            ],
            options={
                'db_table': 'access_accessevent',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['property', '-created_at'], name='access_acce_propert_912f24_idx'), models.Index(fields=['resident', '-created_at'], name='access_acce_residen_39fb67_idx')],
            },
        ),
        ],
        ),
    ]
