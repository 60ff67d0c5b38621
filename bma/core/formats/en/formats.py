"""English dates on the desk read day, month name, year (3 Dec 2026), as in Russian and Tajik.

Django's English formats are American: "Dec. 3, 2026" in lists and "12/03/2026" where the short format
is used, which a reader in Dushanbe takes for 12 March. Only what is set here replaces Django's; the
input formats (ISO first in the admin's date fields) stay Django's.
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
