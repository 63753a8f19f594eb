"""Google Sheets over gspread: the service-account key, the worksheet, and the errors."""
