"""ODK Web Forms in the browser: the same forms, list files and submission endpoint as ODK Collect.

The page loads Web Forms (a Vue component library, served from our own static files, never a CDN),
gives it the form XML and a fetcher for the form's list files, and posts the finished submission to
/collect/submission with the browser session (checked against CSRF there).
"""

from csp.constants import NONCE, SELF, UNSAFE_INLINE, WASM_UNSAFE_EVAL
from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from bma.core.errors import BmaError
from bma.rounds.services import round_for_collection
from bma.xforms.distribution import current_version
from bma.xforms.models import FormKind

# What Web Forms needs beyond the site-wide policy, on this page only: its XPath engine is WebAssembly
# (compiling it needs 'wasm-unsafe-eval', which allows no JavaScript eval), and Vue/PrimeVue add
# <style> elements at run time without a nonce (a nonce in style-src would void 'unsafe-inline'); its
# icon fonts are bundled as data: URLs.
WEBFORMS_POLICY = {
    "script-src": [SELF, NONCE, WASM_UNSAFE_EVAL],
    "style-src": [SELF, UNSAFE_INLINE],
    "font-src": [SELF, "data:"],
}


# The npm-installed files the page loads (settings.STATICFILES_DIRS maps node_modules onto vendor/).
WEBFORMS_ASSETS = ("vendor/web-forms/index.js", "vendor/vue/vue.esm-browser.prod.js")
ASSETS_MISSING = (
    "ODK Web Forms assets are not installed on this server, so the form cannot open. "
    "An administrator must run `npm ci` (or `make node`) and then `manage.py collectstatic`."
)


def webforms_assets_installed() -> bool:
    """Without them the page would load nothing and stay white: say so instead. Found either where
    runserver serves them from (node_modules) or where collectstatic put them (production)."""
    return all(finders.find(name) or staticfiles_storage.exists(name) for name in WEBFORMS_ASSETS)


def form_title(form) -> str:
    """The form's title in the reader's language: our forms by their kind (translated with the rest of the
    site); a form uploaded from elsewhere keeps the title its workbook gave it."""
    if form.kind and form.kind != FormKind.OTHER:
        return form.get_kind_display()
    return form.title


def webforms_ui_strings() -> dict:
    """Web Forms 0.22 has no way to translate its own words ("Send", "Add", the error banner): they are
    English literals in its components. webform.js swaps these exact texts in the page for the reader's
    language as they appear, so the translations live here with the site's, not in the script."""
    return {
        "Send": pgettext("web form button", "Send"),
        "Add": pgettext("web form repeat", "Add"),
        "Remove": pgettext("web form repeat", "Remove"),
        "Change language": gettext("Change language"),
        "Get location": gettext("Get location"),
        "Save location": gettext("Save location"),
        "Powered by": gettext("Powered by"),
        "No results found": gettext("No results found"),
        # The banner's "N questions with errors.", by the plural category Intl.PluralRules gives N in
        # the reader's language (Russian has three); the script puts N in place of {n}.
        "errors": {
            category: ngettext("%(count)s question with error.", "%(count)s questions with errors.", n)
            % {"count": "{n}"}
            for category, n in (("one", 1), ("few", 2), ("many", 5), ("other", 5))
        },
        "Condition not satisfied: required": gettext("This question needs an answer."),
        "Condition not satisfied: constraint": gettext("This answer is not accepted here."),
    }


@csp_replace(WEBFORMS_POLICY)
@login_required
def webform_page(request, form_id: str):
    try:
        round_ = round_for_collection(request.user)
    except BmaError:
        round_ = None
    version = current_version(form_id, round_)
    if version is None or not version.form.listed_to_devices:
        raise Http404(gettext("The form '%(form)s' is not open.") % {"form": form_id})
    if not webforms_assets_installed():
        return render(
            request,
            "submissions/webform.html",
            {"form": version.form, "title": form_title(version.form), "missing": ASSETS_MISSING},
            status=503,
        )
    context = {
        "form": version.form,
        "title": form_title(version.form),
        "language": translation.get_language() or "en",
        "ui_strings": webforms_ui_strings(),
        "form_url": reverse("openrosa-form-download", kwargs={"form_id": form_id}),
        "media_url": reverse("openrosa-form-media", kwargs={"form_id": form_id, "filename": "FILENAME"}),
        "submission_url": reverse("openrosa-submission"),
    }
    return render(request, "submissions/webform.html", context)
