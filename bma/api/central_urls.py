"""ODK Central's URLs for reading entity lists (bma/api/central.py), under /v1/ as on Central."""

from django.urls import path

from bma.api import central as views

app_name = "central"

DATASET = "projects/<int:project_id>/datasets/<str:dataset>"

urlpatterns = [
    path("sessions", views.SessionApi.as_view(), name="sessions"),
    path("users/current", views.CurrentUserApi.as_view(), name="user-current"),
    path("projects/<int:project_id>/datasets", views.DatasetListApi.as_view(), name="dataset-list"),
    # The OData service first: "villages.svc" would otherwise be read as a list's name.
    path(f"{DATASET}.svc", views.ServiceDocumentApi.as_view(), name="odata-service"),
    path(f"{DATASET}.svc/$metadata", views.MetadataApi.as_view(), name="odata-metadata"),
    path(f"{DATASET}.svc/Entities", views.EntitiesFeedApi.as_view(), name="odata-entities"),
    path(DATASET, views.DatasetApi.as_view(), name="dataset"),
    path(f"{DATASET}/entities", views.EntityListApi.as_view(), name="entity-list"),
    path(f"{DATASET}/entities.csv", views.EntityCsvApi.as_view(), name="entity-csv"),
    path(f"{DATASET}/entities/<str:entity_id>", views.EntityApi.as_view(), name="entity"),
    path(f"{DATASET}/entities/<str:entity_id>/versions", views.EntityVersionsApi.as_view(), name="entity-versions"),
]
