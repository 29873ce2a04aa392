# Two entry points for a fresh machine:  `make verify`  and  `make test`.
# Both create (or reuse) the virtual environment .venv in this checkout.
PYTHON ?= python3
VENV   ?= .venv
# torch is installed on its own, pinned, before the project: on a machine
# with a GPU this build from PyPI is the CUDA one; override with e.g.
# `make TORCH=torch==2.5.1 verify`.
TORCH  ?= torch==2.13.0
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: verify test derive figures bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[test]"
	# scikit-rmt, the reference law the MarchenkoPastur tests compare with, pins numpy<=1.26 and scipy<=1.12;
	# its code runs on current ones, so it comes without its pins (a test-only dependency)
	$(BIN)/pip install --quiet --no-deps "scikit-rmt==2.1.1"
	touch $(STAMP)

# verify exits 1 when our routes disagree: the report (JSON and HTML) is still written, then make fails.
# Exit 2 (bad input, a crashed check) writes no JSON, so no page either. Figures of `make figures` are embedded.
verify: $(STAMP)
	@rm -f report.json
	@$(BIN)/gentoys verify --json report.json; rc=$$?; \
	if [ -f report.json ]; then \
	  $(BIN)/gentoys report --from report.json --out report.html $(if $(wildcard figures/*.png),--figures figures) \
	    || exit $$?; \
	fi; exit $$rc

test: $(STAMP)
	$(BIN)/gentoys derive --check
	$(BIN)/gentoys errors --check
	$(BIN)/python -m pytest -q

derive: $(STAMP)
	$(BIN)/gentoys derive

figures: $(STAMP)
	$(BIN)/gentoys figures

bench: $(STAMP)
	$(BIN)/gentoys bench

clean:
	rm -rf $(VENV)
