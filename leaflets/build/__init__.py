"""Building: the leaflet matrix, parallel batches, the build cache and review sheets."""
