"""The review page: a local web page to fix the rows the tool was unsure of.

``petition-scan review`` serves it on 127.0.0.1 (see ``server.py``); every
decision goes straight into the batch store with its audit trail, in the form
``petition-scan export`` reads (row status accepted/rejected, corrected field
values, duplicate overrides).
"""
