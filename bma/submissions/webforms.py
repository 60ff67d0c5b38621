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
from django.utils.translation import gettext

from bma.core.errors import BmaError
from bma.rounds.services import round_for_collection
from bma.xforms.distribution import current_version

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
            request, "submissions/webform.html", {"form": version.form, "missing": ASSETS_MISSING}, status=503
        )
    context = {
        "form": version.form,
        "form_url": reverse("openrosa-form-download", kwargs={"form_id": form_id}),
        "media_url": reverse("openrosa-form-media", kwargs={"form_id": form_id, "filename": "FILENAME"}),
        "submission_url": reverse("openrosa-submission"),
    }
    return render(request, "submissions/webform.html", context)
