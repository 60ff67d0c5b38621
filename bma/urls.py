from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from bma.core.admin_login import DeskLoginForm
from bma.core.error_pages import page_not_found, permission_denied
from bma.core.health import healthz
from bma.core.middleware import server_error
from bma.core.views import language_choose
from bma.review.field_home import field_home

admin.site.site_header = _("BMA review desk")
admin.site.site_title = "BMA"
admin.site.index_title = _("Baseline Mobility Assessment")
# "View site" led to "/", which is no page: the desk's own index is the one page every desk user may open.
admin.site.site_url = reverse_lazy("admin:index")
# A field account (ODK Collect only) that logs in here is told so, not that its password is wrong.
admin.site.login_form = DeskLoginForm

# The database down under a middleware (the session, the signed-in user): 503 + Retry-After, not a 500.
handler500 = server_error
# In the reader's language, with a way back (Django's are English one-liners).
handler403 = permission_denied
handler404 = page_not_found

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("language/", language_choose, name="language-choose"),
    # Where /accounts/login/ leads (LOGIN_REDIRECT_URL): the enumerator's own page; desk users go on to the desk.
    path("me/", field_home, name="field-home"),
    path("api/", include("bma.api.urls")),
    # ODK Central's read API for entity lists (pyodk, ruODK), at Central's own paths.
    path("v1/", include("bma.api.central_urls")),
    path("", include("bma.submissions.urls")),
    path("", include("bma.exports.urls")),
]
