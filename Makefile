# The two commands a newcomer needs: `make demo` and `make test`.
# Both do all set-up themselves: a .venv with the package and its test extras, and
# (on Debian, when apt is usable) Xvfb and a Korean-capable font.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-deps test test-fast lint typecheck pytest demo bench clean i18n

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

# Xvfb for real screen capture and the end-to-end tests; NanumGothic so Korean renders;
# the X libraries Qt's xcb platform loads; xdotool and imagemagick to drive and photograph
# windows in tests and the demo; PostgreSQL, Redis and HAProxy, which the cluster tests
# start on loopback in temporary folders, and Chromium, which the console's browser tests
# drive through Playwright (a missing one fails those tests, never skips); x11vnc, the
# reference peer `make bench` measures Assist against (its viewer is tested too).
DEB_PACKAGES := xvfb xdotool x11-utils imagemagick fonts-nanum fontconfig x11vnc \
	postgresql redis-server haproxy chromium \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-shape0 libxcb-xkb1 libxcb-xinerama0 libxcb-randr0 libxkbcommon-x11-0 \
	libegl1 libgl1 libfontconfig1 libdbus-1-3

system-deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v dpkg-query >/dev/null 2>&1; then \
	    echo "note: not Debian; install Xvfb, xdotool and a Korean font yourself"; \
	  elif [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then \
	    echo "installing (sudo):$$missing"; \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "note: could not install$$missing (not root, no sudo); install them, or the tests that need them fail"; \
	  fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy common relay assist_net assist_ui assist_client assist_agent

pytest: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# The inner loop: lint, types and every test that needs no X server and starts no app
# processes (core, relay, net, pytest-qt offscreen). About a minute.
test-fast: lint typecheck
	$(BIN)/python -m pytest -m "not xvfb and not e2e and not browser" $(PYTEST_ARGS)

demo: setup
	$(BIN)/python -m tools.demo

bench: setup
	$(BIN)/python -m bench.run

# Refresh the translation catalogue after changing user-facing strings.
i18n: setup
	$(BIN)/python -m tools.i18n

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
