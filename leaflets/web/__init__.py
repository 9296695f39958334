"""The front desk in a browser: `leaflets serve`, a Flask app served by waitress."""
