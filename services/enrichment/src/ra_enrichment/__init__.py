"""Contact enrichment service: finds decision-maker contacts for each new lead."""
