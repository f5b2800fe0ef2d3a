# The two commands a newcomer needs: `make demo` and `make test`.
# Both do all set-up themselves: a .venv with the package and its test extras, and
# (on Debian, when apt is usable) Xvfb and a Korean-capable font.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps test lint typecheck pytest demo bench clean i18n

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

# Xvfb for real screen capture and the end-to-end tests; NanumGothic so Korean renders.
system-deps:
	@missing=""; \
	command -v Xvfb >/dev/null 2>&1 || missing="$$missing xvfb"; \
	command -v xdotool >/dev/null 2>&1 || missing="$$missing xdotool"; \
	fc-list 2>/dev/null | grep -qi nanum || missing="$$missing fonts-nanum fontconfig"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: could not install$$missing (no usable apt); tests that need them will be skipped"; \
	  fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check common relay

typecheck: setup
	$(BIN)/mypy common relay assist_net assist_ui

pytest: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

demo: setup
	$(BIN)/python -m tools.demo

bench: setup
	$(BIN)/python -m bench.run

# Refresh the translation catalogue after changing user-facing strings.
i18n: setup
	$(BIN)/python -m tools.i18n

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
