# Two commands for a fresh machine with Python 3.11:  `make site` (build the sample site) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test serve check bench clean plotly

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/congkhai build --strict

# Both cores: workers steal queued tests, so the long differential test does not leave one core idle.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist worksteal

serve: $(STAMP)
	$(BIN)/congkhai serve

check: $(STAMP)
	$(BIN)/congkhai check

bench: $(STAMP)
	$(BIN)/python bench/scale.py

# Rebuild the vendored partial Plotly bundle (Node and npm; generator/vendor/plotly/README.md). The packages
# go to a temporary directory: nothing lands in generator/, whose every file is part of the build cache's key.
PLOTLY_DIR := generator/vendor/plotly
plotly:
	tmp=$$(mktemp -d) && cp $(PLOTLY_DIR)/package.json $(PLOTLY_DIR)/package-lock.json $(PLOTLY_DIR)/index.js \
		$(PLOTLY_DIR)/build.mjs $$tmp && (cd $$tmp && npm ci --ignore-scripts --no-audit --no-fund) && \
		node $$tmp/build.mjs $(CURDIR)/$(PLOTLY_DIR) && rm -rf $$tmp

clean:
	rm -rf site .site-* bench/out
