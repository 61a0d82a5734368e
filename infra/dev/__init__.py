"""Developer tooling the Makefile runs: the first install of .venv, and the Chromium the browser tests drive."""
