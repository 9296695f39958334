"""Clinical approvals and translation reviews: records, fingerprints, states, review sheets."""
