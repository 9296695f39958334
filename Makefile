# leaflets: `make build` then `make test` on a fresh Debian 12+ machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# System libraries WeasyPrint needs: Pango for text layout, HarfBuzz subset for fast font subsetting.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# Only for the tests: SpamAssassin scores the e-mail that `leaflets mail` writes; poppler-utils
# (pdftotext, pdftoppm) and qpdf check the PDFs; Chromium and its WebDriver run the browser tests;
# Java runs the Nu HTML checker on `--html` pages; GNU gettext's msgcat and msgmerge must leave the
# catalogs as they are.
TEST_PACKAGES := spamassassin poppler-utils qpdf chromium chromium-driver default-jre-headless gettext
# axe-core for the browser tests, from npm: the exact version and its hash are in
# tests/browser/package-lock.json.
BROWSER_DIR   := tests/browser
AXE_STAMP     := $(BROWSER_DIR)/node_modules/.installed-stamp

.PHONY: build test check pot bench sysdeps testdeps nodedeps lock clean

build: $(STAMP)
	$(BIN)/leaflets build

# Tests run with a private TMPDIR: anything a test or a build leaves there (other than pytest's
# own folder) fails the run, and the folder is removed either way.
test: $(STAMP) testdeps
	@tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/leaflets-test.XXXXXX") || exit 1; \
	TMPDIR="$$tmp" $(BIN)/pytest; status=$$?; \
	left=$$(find "$$tmp" -mindepth 1 -maxdepth 1 ! -name 'pytest-of-*'); \
	rm -rf "$$tmp"; \
	if [ -n "$$left" ]; then echo "tests left files in TMPDIR:"; echo "$$left"; exit 1; fi; \
	exit $$status

check: $(STAMP)
	$(BIN)/ruff check leaflets tests bench
	$(BIN)/ruff format --check leaflets tests bench
	$(BIN)/mypy
	$(BIN)/leaflets i18n update --check

# Re-extract every translatable string into translations/messages.pot.
pot: $(STAMP)
	$(BIN)/leaflets i18n extract

# $(call apt_install,PACKAGES,WHAT,IF_NOT_ROOT): install the missing Debian packages as root;
# otherwise print the apt-get command and run IF_NOT_ROOT.
define apt_install
@command -v dpkg-query >/dev/null || { echo "not a Debian system: install $(2) yourself"; exit 0; }; \
missing=""; \
for pkg in $(1); do \
  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
done; \
if [ -z "$$missing" ]; then exit 0; fi; \
if [ "$$(id -u)" = 0 ]; then \
  echo "installing $(2):$$missing"; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
else \
  echo "missing $(2):$$missing"; \
  echo "run this, then make again:  sudo apt-get install -y$$missing"; \
  $(3); \
fi
endef

sysdeps:
	$(call apt_install,$(SYSTEM_PACKAGES),system libraries (Pango >= 1.44 and HarfBuzz),exit 1)

# Without them the tests that need them are skipped (never when make runs as root, as in CI).
testdeps: $(AXE_STAMP)
	$(call apt_install,$(TEST_PACKAGES),test tools,echo "the tests that need them are skipped until then")

# npm itself, from Debian, only where it is missing.
nodedeps:
	$(call apt_install,nodejs npm,npm (for axe-core),echo "the accessibility tests are skipped until then")

# Exactly what the lock file says, no install scripts; again whenever the lock file changes.
$(AXE_STAMP): $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory nodedeps
	@if command -v npm >/dev/null; then \
	  cd $(BROWSER_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
	  touch node_modules/.installed-stamp; \
	fi

# The exact versions and hashes in requirements-dev.lock (the runtime ones and the tools), then
# leaflets itself as an editable install without resolving anything again.
$(STAMP): pyproject.toml requirements-dev.lock | sysdeps
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "leaflets needs Python 3.11 or newer; set PYTHON=python3.x"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml: pin them again with hashes. Versions already
# pinned stay unless LOCK_FLAGS=--upgrade. requirements.lock is the runtime set alone.
LOCK_FLAGS ?=
COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" --quiet $(LOCK_FLAGS)
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(COMPILE) -o requirements.lock
	$(COMPILE) --extra dev -o requirements-dev.lock

clean:
	rm -rf output $(VENV) translations/*/LC_MESSAGES/*.mo $(BROWSER_DIR)/node_modules

# The speed figures of issues 7 and 18 against their targets, measured in one run on this
# machine (about ten minutes; never part of test or CI); then `leaflets serve` under 20
# concurrent clients on 127.0.0.1 (issue 17; at most a few minutes).
# Python writes no bytecode where PYTHONDONTWRITEBYTECODE is set (as on the CI machines), and
# then compiles every module again in each run: compiled once here, as pip does for an installed
# package, the no-op build measures leaflets rather than the compiler.
bench: $(STAMP)
	$(BIN)/python -m compileall -q leaflets
	$(BIN)/python bench/bench.py
	$(BIN)/python bench/web_load.py
