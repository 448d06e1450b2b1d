"""Post-incident reviews, their metrics, and PDF rendering (WeasyPrint)."""
