"""The report files' helpers moved down to core.printing (the strategy's monitoring report
uses them too); re-exported here for the reports of this app."""

from __future__ import annotations

from core.printing import LOCAL_BASE as LOCAL_BASE
from core.printing import PDF_VARIANT as PDF_VARIANT
from core.printing import PORTAL_URL_SETTING as PORTAL_URL_SETTING
from core.printing import bold_cells as bold_cells
from core.printing import cell_value as cell_value
from core.printing import pdf_base_url as pdf_base_url
from core.printing import pdf_document as pdf_document
from core.printing import portal_url as portal_url
from core.printing import sheet_with_columns as sheet_with_columns
from core.printing import static_only_fetcher as static_only_fetcher
from core.printing import store_file as store_file
