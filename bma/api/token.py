"""POST /api/token/: a user name and password for an API token, behind the guessing brake.

DRF's own view hands its wrapped request to ``authenticate``, so django-axes would mark the wrapper,
which the Axes middleware never sees; this one passes Django's request, so a lockout becomes the
API's 429 JSON error, and a right password forgets the address's earlier failures.
"""

from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from bma.core.lockout import lockout_success


class TokenApi(ObtainAuthToken):
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "request": self.request._request}

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        lockout_success(request._request, user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
