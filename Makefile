# make run: set up and render the built-in routine; make test: set up and run every test.
# make check: the fast tier (no real-time playback, sound server or browser) for daily work.
VENV := .venv
BIN := $(VENV)/bin
REPEATS ?= 5

.PHONY: setup setup-test run test check lint bench clean

setup:
	@bash scripts/bootstrap.sh

setup-test:
	@bash scripts/bootstrap.sh --test

run: setup
	$(BIN)/voiceguide render back-pain --force

test: setup-test
	$(BIN)/python -m pytest --durations=10

check: setup-test
	$(BIN)/python -m pytest -m "not slow" -q -n auto

lint: setup-test
	$(BIN)/ruff format --check voiceguide tests scripts
	$(BIN)/ruff check voiceguide tests scripts
	$(BIN)/mypy

BENCH_GOALS := .venv/bench-goals.jsonl

bench: setup-test
	@rm -f $(BENCH_GOALS)
	VOICEGUIDE_BENCH_GOALS=$(BENCH_GOALS) $(BIN)/python scripts/bench_render.py --repeats $(REPEATS) $(if $(filter 1,$(REPEATS)),--skip-naive --long-hours 1)
	VOICEGUIDE_BENCH_GOALS=$(BENCH_GOALS) $(BIN)/python scripts/bench_play.py --repeats $(REPEATS)
	$(BIN)/python scripts/bench_pictures.py --repeats $(REPEATS)
	$(BIN)/python scripts/bench_words.py --repeats $(REPEATS)
	@$(BIN)/python scripts/bench_goals.py $(BENCH_GOALS)

clean:
	rm -rf $(VENV) audio_out/*.mp3 audio_out/*.m4b audio_out/*.wav audio_out/*.vtt audio_out/*.lrc
