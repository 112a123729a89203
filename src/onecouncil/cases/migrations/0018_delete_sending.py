# Sending moved to sendon (ADR 0007): only Django's state changes; the table stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0017_public_words'),
        ('sendon', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='Sending')],
        ),
    ]
