"""The nightly open-data files: CSV, XLSX and JSON per dataset, datapackage.json, DCAT-AP."""
