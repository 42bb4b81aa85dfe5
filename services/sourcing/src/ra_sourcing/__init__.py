"""Lead sourcing service: fetches job postings, normalises and deduplicates them into leads."""
