"""django-import-export resources: the village list in and out of the admin as CSV/XLSX.

Areas are referred to by code, and the district is filled in from the area as settlement_upsert does,
so a file exported here imports back unchanged.
"""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from bma.core.spreadsheet_text import SpreadsheetSafeResource
from bma.geo.bulk import gazetteer_bulk_write
from bma.geo.models import AdminArea, Settlement
from bma.geo.services import district_of


class SettlementResource(SpreadsheetSafeResource, resources.ModelResource):
    area = fields.Field(attribute="area", column_name="area_code", widget=ForeignKeyWidget(AdminArea, field="code"))

    class Meta:
        model = Settlement
        import_id_fields = ("code",)
        fields = ("code", "area", "name_en", "name_tg", "name_ru", "latitude", "longitude", "status", "source")
        export_order = fields
        skip_unchanged = True
        report_skipped = False
        use_transactions = True  # all or nothing, as the gazetteer import

    def import_data(self, *args, **kwargs):
        # The villages' entities catch up once after the file, not once per row (bma/geo/bulk.py).
        with gazetteer_bulk_write():
            return super().import_data(*args, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        instance.district = district_of(instance.area)
