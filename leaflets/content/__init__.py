"""Topic content: YAML topics, their data model, brands, variants and readability."""
