"""Rendering: topic to HTML with Jinja2, then to tagged PDF/UA with WeasyPrint."""
