"""`GET /metrics`: what happened (counters and histograms kept by every process) and what
is (figures read from the database at scrape time). See docs/metrics.md."""
