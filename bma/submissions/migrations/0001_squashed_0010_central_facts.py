"""submissions: migrations 0001 to 0010 in one, for new databases.

Written by `makemigrations` from the models (without labels: bma/core/autodetector.py), not by
`squashmigrations`. Django applies it to a database that has none of the replaced migrations, and
the replaced ones, kept beside it, to a database that has some of them (an upgrade); a migration
that depends on one of them depends on this one where this one is used.

The RunPython steps of the replaced migrations only change rows that exist already
(0003_digest_credentials_only_for_enumerators.drop_non_collector_credentials);
this migration runs only on an empty database, so it has none.
"""

import bma.submissions.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('submissions', '0001_initial'),
        ('submissions', '0002_digest_nonce_use'),
        ('submissions', '0003_digest_credentials_only_for_enumerators'),
        ('submissions', '0004_processing_retries_and_district'),
        ('submissions', '0005_pull_sources'),
        ('submissions', '0006_kobo_form_version'),
        ('submissions', '0007_translatable_names'),
        ('submissions', '0008_digest_nc_window'),
        ('submissions', '0009_central_sources'),
        ('submissions', '0010_central_facts'),
    ]

    dependencies = [
        ('rounds', '0001_squashed_0004_translatable_names'),
        ('xforms', '0001_squashed_0002_translatable_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DigestNonceUse',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('nonce', models.CharField(max_length=128, unique=True)),
                ('last_nc', models.BigIntegerField()),
                ('seen_nc', models.BigIntegerField(default=1)),
                ('expires_at', models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name='CollectToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('token', models.CharField(default=bma.submissions.models.new_token, editable=False, max_length=64, unique=True)),
                ('label', models.CharField(blank=True, max_length=100)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='collect_tokens', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='DigestCredential',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('ha1', models.CharField(max_length=32)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='digest_credential', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='KoboSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=200)),
                ('token', models.CharField(default=bma.submissions.models.new_token, editable=False, max_length=64, unique=True)),
                ('active', models.BooleanField(default=True)),
                ('form', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='kobo_sources', to='xforms.form')),
                ('form_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='xforms.formversion')),
                ('submitted_as', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='PullSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=200)),
                ('kind', models.CharField(max_length=8)),
                ('base_url', models.URLField()),
                ('project_id', models.PositiveIntegerField(blank=True, null=True)),
                ('remote_form_id', models.CharField(max_length=200)),
                ('username', models.CharField(blank=True, max_length=200)),
                ('secret_env', models.CharField(max_length=100)),
                ('past_round_import', models.BooleanField(default=False)),
                ('active', models.BooleanField(default=True)),
                ('cursor', models.CharField(blank=True, max_length=40)),
                ('resume_url', models.TextField(blank=True)),
                ('pending_cursor', models.CharField(blank=True, max_length=40)),
                ('last_started_at', models.DateTimeField(blank=True, null=True)),
                ('syncing_since', models.DateTimeField(blank=True, null=True)),
                ('last_finished_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('last_counts', models.JSONField(blank=True, default=dict)),
                ('stored_total', models.PositiveIntegerField(default=0)),
                ('media_waiting', models.JSONField(blank=True, default=list)),
                ('deleted_cursor', models.CharField(blank=True, max_length=40)),
                ('form', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pull_sources', to='xforms.form')),
                ('form_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='xforms.formversion')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pull_sources', to='rounds.round')),
                ('submitted_as', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='RejectedAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('source', models.CharField(max_length=16)),
                ('status', models.PositiveSmallIntegerField()),
                ('code', models.CharField(max_length=64)),
                ('message', models.TextField()),
                ('form_id', models.CharField(blank=True, max_length=255)),
                ('instance_id', models.CharField(blank=True, max_length=255)),
                ('device_id', models.CharField(blank=True, max_length=255)),
                ('remote_addr', models.GenericIPAddressField(blank=True, null=True)),
                ('body_size', models.PositiveBigIntegerField(default=0)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Submission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('instance_id', models.CharField(max_length=255)),
                ('root_instance_id', models.CharField(db_index=True, max_length=255)),
                ('deprecated_id', models.CharField(blank=True, max_length=255)),
                ('is_current', models.BooleanField(default=True)),
                ('instance_name', models.CharField(blank=True, max_length=255)),
                ('source', models.CharField(default='openrosa', max_length=16)),
                ('payload_format', models.CharField(default='xml', max_length=16)),
                ('payload', models.BinaryField()),
                ('payload_sha256', models.CharField(max_length=64)),
                ('device_id', models.CharField(blank=True, max_length=255)),
                ('state', models.CharField(default='received', max_length=16)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('processed_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('retry_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('district_code', models.CharField(blank=True, db_index=True, max_length=64)),
                ('central_review_state', models.CharField(blank=True, max_length=16)),
                ('central_review_state_at', models.DateTimeField(blank=True, null=True)),
                ('central_deleted_at', models.DateTimeField(blank=True, null=True)),
                ('form', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to='xforms.form')),
                ('form_version', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to='xforms.formversion')),
                ('round', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rounds.round')),
                ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at'],
                'permissions': [('reprocess_submission', 'Can ask for submissions to be processed again')],
            },
        ),
        migrations.CreateModel(
            name='SubmissionAttachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('filename', models.CharField(max_length=255)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('content', models.BinaryField()),
                ('size', models.PositiveIntegerField()),
                ('sha256', models.CharField(max_length=64)),
                ('submission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='submissions.submission')),
            ],
            options={
                'ordering': ['filename'],
            },
        ),
        migrations.AddIndex(
            model_name='submission',
            index=models.Index(fields=['state', 'created_at'], name='submissions_state_a95f2f_idx'),
        ),
        migrations.AddConstraint(
            model_name='submission',
            constraint=models.UniqueConstraint(fields=('form', 'instance_id'), name='submission_instance_unique'),
        ),
        migrations.AddConstraint(
            model_name='submission',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('form', 'root_instance_id'), name='submission_one_current'),
        ),
        migrations.AddConstraint(
            model_name='submissionattachment',
            constraint=models.UniqueConstraint(fields=('submission', 'filename'), name='attachment_unique'),
        ),
    ]
