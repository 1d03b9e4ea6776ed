"""The commands (click), thin over the library; ``pipeline.py`` imports each on first use.
``petition-scan review`` lives with the review page (``scanner.review.cli``)."""
