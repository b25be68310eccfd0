# reportflow: `make demo` and `make test` set everything up on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# System packages: Tesseract's Vietnamese (language and Vietnamese-script models), English and orientation data
# (OCR through tesserocr), LibreOffice Writer without a GUI (legacy .doc conversion), and the DejaVu fonts
# the tests draw Vietnamese lines with.
APT_PACKAGES := python3-venv ca-certificates tesseract-ocr tesseract-ocr-vie tesseract-ocr-script-viet \
	tesseract-ocr-eng tesseract-ocr-osd libreoffice-writer-nogui fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO := .demo

.PHONY: setup system-packages demo test test-fast lint bench bench-scale fuzz clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory system-packages
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "reportflow needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	# Only the PP-OCR model file in this wheel is read (parsers/ocr/ppocr.py): its OpenCV and Shapely stay out.
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt rapidocr-onnxruntime
	@touch $(STAMP)

system-packages:
	@if ! command -v dpkg-query >/dev/null; then \
		echo "not a Debian system: install $(APT_PACKAGES) yourself"; \
		case "$$CI" in true|TRUE|True|1) echo "CI=true: the tests need them, stopping"; exit 1;; esac; exit 0; \
	fi; \
	missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

demo: setup
	rm -rf $(DEMO)
	$(BIN)/python samples/make_samples.py $(DEMO)/reports
	$(BIN)/reportflow run $(DEMO)/reports $(DEMO)/output --settle-seconds 0
	$(BIN)/python samples/show_output.py $(DEMO)/output

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p $(VENV)/typecheck/reportflow
	@for d in schemas parsers flows; do ln -sfn "$(CURDIR)/$$d" $(VENV)/typecheck/reportflow/$$d; done
	$(BIN)/mypy

# Two test processes (more on a bigger machine): most slow tests wait on Prefect and subprocesses.
test: lint
	$(BIN)/pytest --numprocesses=auto --maxprocesses=4 --durations=15

# Everything but the tests that start Prefect or a `reportflow` process (marked `slow`).
test-fast: lint
	$(BIN)/pytest --numprocesses=auto --maxprocesses=4 -m "not slow" --durations=15

bench: setup
	$(BIN)/python tests/bench/bench_parsers.py
	$(BIN)/python tests/bench/bench_office.py
	$(BIN)/python tests/bench/bench_pdf.py
	$(BIN)/python tests/bench/bench_pdf_memory.py
	$(BIN)/python tests/bench/bench_ocr.py
	$(BIN)/python tests/bench/bench_flow.py 10000
	$(BIN)/python tests/bench/bench_orchestration.py 1000
	$(BIN)/python tests/bench/bench_dedup.py
	$(BIN)/python tests/bench/bench_changes.py 100000

# Runs with nothing new and nights into generated archives of 1, 10 and 100 million paragraphs, kept under
# $$REPORTFLOW_BENCH_SCRATCH between calls: the largest takes 15 GB and a few minutes to generate, and its
# index cache 42 GB more (plus one 7 GB run while it is built) and about 10 minutes.
SCALE ?= 1000000 10000000 100000000
bench-scale: setup
	$(BIN)/python tests/bench/bench_scale.py $(SCALE)

MINUTES ?= 10
fuzz: setup
	$(BIN)/pip install -q -c constraints.txt 'atheris>=2.3'
	$(BIN)/python tests/fuzz/fuzz_parsers.py $(MINUTES)

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache *.egg-info
