.PHONY: demo test bench-generate
demo:
	scripts/demo
test:
	scripts/test
bench-generate: 
	scripts/setup && .venv/bin/python bench/generate.py
