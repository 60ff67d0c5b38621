from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for every domain table: when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        abstract = True


class UserLanguage(models.Model):
    """The language a person chose for the desk, the report and the messages they get (en, ru, tg).

    Kept on the user, so it follows them from the laptop to the office PC; without one the browser's
    language decides (LocaleMiddleware).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_choice", verbose_name=_("user")
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, verbose_name=_("language"))

    class Meta:
        verbose_name = _("user language")
        verbose_name_plural = _("user languages")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


class Heartbeat(models.Model):
    """When a periodic piece of the system last showed it was alive: beat (its heartbeat task, run by a
    worker, so it proves beat, the broker and a worker together), the outbox sweep. Read by the
    readiness check and the metrics; one row per name, overwritten each time."""

    name = models.CharField(max_length=40, primary_key=True, verbose_name=_("name"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name}: {self.at:%Y-%m-%d %H:%M:%S}"


class ReferenceVersion(models.Model):
    """One row whose value changes, in the same transaction, with any data the intake caches per process
    (device tokens, users, forms and versions, rounds, assignments, languages: bma.core.reference_cache).
    Each request reads it once: a process whose cache was filled under another value drops it, so a change
    made anywhere takes effect on the next request in every process. A random value, not a counter, so a
    rolled-back change can never be mistaken for a later one."""

    value = models.BigIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self) -> str:
        return str(self.value)
