# Sending moved here from cases (ADR 0007): the table and its indexes stay as they are
# (``cases_sending``), so this changes only Django's idea of which app owns them.

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0017_public_words'),
        ('catalogue', '0010_about_the_home'),
        ('core', '0013_public_words'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='Sending',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('queued', 'Waiting to be sent'), ('sending', 'Being sent'), ('awaiting_id', 'Sent; waiting for its reference'), ('sent', 'Sent'), ('failed', 'Could not be sent'), ('taken_back', 'Taken back in house')], default='queued', max_length=20)),
                ('idempotency_key', models.UUIDField(default=uuid.uuid4, editable=False)),
                ('external_id', models.CharField(blank=True, max_length=100, verbose_name='its reference')),
                ('external_ids', models.JSONField(blank=True, default=list)),
                ('token', models.CharField(blank=True, max_length=200)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('locked_until', models.DateTimeField(blank=True, null=True)),
                ('claim', models.UUIDField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('applied_updates', models.JSONField(blank=True, default=list)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('erasure_asked_at', models.DateTimeField(blank=True, null=True)),
                ('erasure_told_at', models.DateTimeField(blank=True, null=True)),
                ('backend', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sendings', to='catalogue.backend')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sendings', to='cases.case')),
                ('council', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.council')),
            ],
            options={
                'verbose_name': 'request sent on',
                'verbose_name_plural': 'requests sent on',
                'db_table': 'cases_sending',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='sending_due_idx'), models.Index(fields=['backend', 'external_id'], name='sending_external_idx')],
            },
        ),
                ],
        ),
    ]
