"""Clinical approvals and translation reviews: records, fingerprints, states, versions."""
