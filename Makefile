# make run: set up and render the built-in routine; make test: set up and run every test.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test run test lint bench clean

setup:
	@bash scripts/bootstrap.sh

setup-test:
	@bash scripts/bootstrap.sh --test

run: setup
	$(BIN)/voiceguide render back-pain --force

test: setup-test
	$(BIN)/python -m pytest

lint: setup-test
	$(BIN)/ruff format --check voiceguide tests scripts
	$(BIN)/ruff check voiceguide tests scripts
	$(BIN)/mypy

bench: setup-test
	$(BIN)/python scripts/bench_render.py
	$(BIN)/python scripts/bench_play.py

clean:
	rm -rf $(VENV) audio_out/*.mp3 audio_out/*.m4b audio_out/*.wav audio_out/*.vtt audio_out/*.lrc
