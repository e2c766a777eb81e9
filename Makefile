# mtls.cloudflare: developer and CI entry points. `make help` lists them.
#
# Everything installs itself: the dev venv (.venv, Python 3.11, requirements-dev.txt), one venv
# per tested ansible-core (.venvs/core-X.Y), ansible-test's get-pip bootstrap script, shellcheck
# (Debian, when run as root).
# ansible-test needs a physical .../ansible_collections/mtls/cloudflare directory: every step
# that needs one gets a fresh copy of the checkout (tracked files plus untracked, not ignored
# ones) under $(BUILD).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# One target at a time (they share $(BUILD)), except in the step runner of make test (below).
ifndef STEP_RUNNER
.NOTPARALLEL:
endif
MAKEFLAGS += --no-print-directory

REPO := $(CURDIR)
# Where make openapi-extract reads Cloudflare's description from (nothing else reads outside the checkout).
SHARED ?= $(abspath $(REPO)/../shared)
VENV := $(REPO)/.venv
VENVS := $(REPO)/.venvs
DEMO_VENV := $(REPO)/.venv-demo
BUILD ?= $(REPO)/.build
COPY := $(BUILD)/ansible_collections/mtls/cloudflare
CI_TOOLS := $(REPO)/tools/ci

# Tested ansible-core releases: the exact patch release, and the Python that runs it.
# 2.17 and 2.18 reached end of life in May and November 2026: no longer tested (2.16 stays, for
# Automation Platform users).
CORES := 2.16 2.19 2.20 2.21
CORE_PIN_2.16 := 2.16.19
CORE_PIN_2.19 := 2.19.14
CORE_PIN_2.20 := 2.20.10
CORE_PIN_2.21 := 2.21.5
CORE_PY_2.16 := 3.11
CORE_PY_2.19 := 3.11
CORE_PY_2.20 := 3.12
CORE_PY_2.21 := 3.13
# The core that `make test-quick` runs sanity with: the one in the dev venv.
DEV_CORE := 2.19
DEV_PY := 3.11

# The dev venv also holds the local API's requirements, its tests', and the unit tests' (which
# plain pytest runs with the dev venv).
DEV_REQUIREMENTS := requirements-dev.txt tools/local_cloudflare/requirements.txt \
	tests/local_cloudflare/requirements.txt tests/unit/requirements.txt

# Values the integration targets and the demo receive (see tools/ci/with_local_api.sh).
export LOCAL_API_ZONE_ID := 023e105f4ecef8ad9ca31a8372d0c353
export LOCAL_API_ZONE_NAME := example.com
# The local API runs on the dev venv, whatever core a step tests.
export LOCAL_API_PYTHON := $(VENV)/bin/python

export PYTHONUNBUFFERED := 1
export ANSIBLE_FORCE_COLOR ?= 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# $(call core_env,X.Y): PATH with the core's venv first, then the real interpreter's folder
# (never a pyenv shim), so ansible-test finds `pythonX.Y`.
core_env = PATH="$(VENVS)/core-$(1)/bin:$$(dirname "$$($(CI_TOOLS)/find_python.sh $(CORE_PY_$(1)))"):$$PATH"
dev_env = PATH="$(VENV)/bin:$$PATH"

.PHONY: help test test-quick demo bench venv venvs shellcheck copy clean \
	venv-demo local-api docs docs-strict awx-ee awx-job release-check release \
	lint lint-ansible-lint lint-yamllint lint-changelog lint-docs lint-collection \
	pytest-local-cloudflare pytest-unit pytest-live pytest-sdk5 venv-sdk5 build openapi-extract \
	$(addprefix venv-core-,$(CORES)) $(addprefix sanity-,$(CORES)) $(addprefix units-,$(CORES)) \
	$(addprefix integration-,$(CORES)) integration-variants sanity-dev

help:
	@echo 'make test         every check, every supported ansible-core (what CI runs); ends with "N passed, N failed"'
	@echo 'make test-quick   lint, unit tests and sanity on ansible-core $(DEV_CORE) from the dev venv'
	@echo 'make demo         run examples/demo.yml against the local Cloudflare API (its own small venv, .venv-demo)'
	@echo 'make local-api    start the local Cloudflare API and print the base URL, token and zone for your playbooks'
	@echo 'make docs         build the docs site into .build/docs/html (docs-strict: warnings are errors)'
	@echo 'make release VERSION=X.Y.Z   antsibull-changelog release (CHANGELOG.rst); release-check tries it on a copy'
	@echo 'make venv | venvs the dev venv | the dev venv plus one venv per ansible-core ($(CORES))'
	@echo 'single steps:     lint-ansible-lint lint-yamllint lint-changelog lint-docs lint-collection'
	@echo '                  pytest-local-cloudflare pytest-unit pytest-live pytest-sdk5 sanity-X.Y units-X.Y integration-X.Y'
	@echo '                  integration-variants build'
	@echo '                  docs-strict awx-ee awx-job release-check'
	@echo 'make bench        ours against the hand-written uri way on the local API, 50 ms a request (about 13 minutes; table in $$(BUILD)/bench.txt)'
	@echo 'make openapi-extract  rewrite tests/openapi from ../shared/cloudflare-openapi (the tests read only tests/openapi)'
	@echo 'make clean        remove .build (venvs stay; rm -rf .venv .venvs for a cold start)'

# ---------------------------------------------------------------- entry points
# make test / test-quick: every step is one target of this Makefile. make itself is the scheduler:
# `make -k -j$(MAKE_TEST_JOBS) -O step/STEP...`, where step/STEP runs `make -j1 STEP` (tools/ci/steps.sh)
# with a build directory of its own, records its result and always succeeds, so every step runs.
# A step whose need (its step/ prerequisite) failed is failed without running. Steps that share a cache
# outside the build directory run one after the other (order-only chains): the core venv set-ups
# (pip's bootstrap script in ~/.ansible/test/cache) and sanity (~/.ansible/test/venv).
# Longest steps first, so the job slots end close together.
DEV_STEPS := pytest-live lint-ansible-lint lint-yamllint lint-changelog lint-docs lint-collection \
	pytest-local-cloudflare pytest-unit
STEPS_test := venv shellcheck $(addprefix venv-core-,$(CORES)) integration-variants \
	$(foreach c,$(CORES),integration-$(c) sanity-$(c) units-$(c)) $(DEV_STEPS) pytest-sdk5 \
	build docs-strict awx-ee awx-job release-check
STEPS_test-quick := venv shellcheck sanity-dev $(DEV_STEPS)
MAKE_TEST_JOBS ?= $(shell n=$$(nproc); echo $$((n < 4 ? n : 4)))
RESULTS := $(BUILD)/results

test test-quick:
	@rm -rf $(RESULTS) $(BUILD)/steps && mkdir -p $(RESULTS) && echo "$$EPOCHREALTIME" >$(RESULTS)/.started
	@echo "$(words $(STEPS_$@)) steps, up to $(MAKE_TEST_JOBS) at a time"
	@STEPS_TOTAL=$(words $(STEPS_$@)) $(MAKE) -k -j$(MAKE_TEST_JOBS) --output-sync=target STEP_RUNNER=1 \
		$(addprefix step/,$(STEPS_$@)) || true
	@$(CI_TOOLS)/steps.sh summary $(RESULTS) $(STEPS_$@)

step/%:
	@$(CI_TOOLS)/steps.sh run $(RESULTS) $* $(patsubst step/%,%,$^)

$(addprefix step/,$(DEV_STEPS) build docs-strict awx-ee awx-job release-check): step/venv
$(foreach c,$(CORES),step/integration-$(c)): step/integration-%: step/venv step/venv-core-%
$(foreach c,$(CORES),step/sanity-$(c)): step/sanity-%: step/venv-core-% step/shellcheck
$(foreach c,$(CORES),step/units-$(c)): step/units-%: step/venv-core-%
step/integration-variants: step/venv step/venv-core-$(DEV_CORE)
step/sanity-dev: step/venv step/shellcheck
# $(call one_at_a_time,T1 T2 ...): T2 starts after T1 ended, and so on (order-only: a failure does not skip).
one_at_a_time = $(if $(word 2,$(1)),$(eval $(word 2,$(1)): | $(word 1,$(1)))$(call one_at_a_time,$(wordlist 2,99,$(1))))
$(call one_at_a_time,$(addprefix step/venv-core-,$(CORES)))
$(call one_at_a_time,$(addprefix step/sanity-,$(CORES)))
# make starts ready targets in the order of the goals, but passes over one whose prerequisite is still
# running: the steps wait for all the set-ups (pytest-sdk5, its own, fills the slot they leave idle), so
# that they start in the order above, the longest first.
SETUP_GOALS := $(filter step/venv step/shellcheck step/venv-core-%,$(MAKECMDGOALS))
$(filter-out $(SETUP_GOALS) step/pytest-sdk5,$(MAKECMDGOALS)): | $(SETUP_GOALS)

# The demo needs neither the linters nor the docs toolchain: its own venv (requirements-demo.txt).
demo: venv-demo copy
	@PATH="$(DEMO_VENV)/bin:$$PATH" LOCAL_API_PYTHON=$(DEMO_VENV)/bin/python $(CI_TOOLS)/demo.sh "$(BUILD)"

local-api: venv-demo copy
	@PATH="$(DEMO_VENV)/bin:$$PATH" LOCAL_API_PYTHON=$(DEMO_VENV)/bin/python $(CI_TOOLS)/local_api.sh

# Not part of `make test`: a benchmark, not a timed test (benchmarks/bench.py says what it measures).
bench: venv
	@cd $(REPO) && $(VENV)/bin/python -u benchmarks/bench.py --out $(BUILD)/bench.txt

# ---------------------------------------------------------------- environments
venv:
	@$(CI_TOOLS)/make_venv.sh $(VENV) $(DEV_PY) $(addprefix -r ,$(DEV_REQUIREMENTS))

venv-demo:
	@MAKE_VENV_WITHOUT_PIP=1 $(CI_TOOLS)/make_venv.sh $(DEMO_VENV) $(DEV_PY) --no-compile -r requirements-demo.txt

$(addprefix venv-core-,$(CORES)): venv-core-%:
	@$(CI_TOOLS)/make_venv.sh $(VENVS)/core-$* $(CORE_PY_$*) ansible-core==$(CORE_PIN_$*)
	@$(CI_TOOLS)/install_get_pip.sh $(VENVS)/core-$*

venvs: venv $(addprefix venv-core-,$(CORES))

shellcheck:
	@$(CI_TOOLS)/ensure_shellcheck.sh

copy:
	@$(CI_TOOLS)/copy_checkout.sh $(REPO) $(COPY)

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------- lint
lint: lint-ansible-lint lint-yamllint lint-changelog lint-docs lint-collection

lint-ansible-lint: venv
	@cd $(REPO) && $(dev_env) ansible-lint

lint-yamllint: venv
	@cd $(REPO) && $(dev_env) yamllint --strict .

lint-changelog: venv
	@cd $(REPO) && $(dev_env) antsibull-changelog lint

lint-docs: venv copy
	@cd $(COPY) && $(dev_env) ANSIBLE_COLLECTIONS_PATH=$(BUILD) \
		antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs self .

# antsibull-nox's extra checks (antsibull-nox.toml), then the rules no tool has (check_collection.py).
lint-collection: venv
	@cd $(REPO) && $(dev_env) nox --envdir $(BUILD)/nox -e extra-checks
	@cd $(REPO) && $(VENV)/bin/python $(CI_TOOLS)/check_collection.py .

# ---------------------------------------------------------------- pytest with the dev venv
pytest-local-cloudflare: venv
	@cd $(REPO) && PYTHONPATH=$(REPO)/tools $(CI_TOOLS)/pytest_step.sh $(VENV)/bin/python tests/local_cloudflare

pytest-unit: venv copy
	@cd $(COPY) && PYTHONPATH=$(BUILD) $(CI_TOOLS)/pytest_step.sh $(VENV)/bin/python tests/unit

# The official SDK 5.x against the local API: a venv of its own, as the dev venv pins 4.3.1.
venv-sdk5:
	@$(CI_TOOLS)/make_venv.sh $(VENVS)/sdk5 $(DEV_PY) -r tests/local_cloudflare/requirements-sdk5.txt

# Its test file only: the folder's other tests need what the dev venv has (test_contract.py: openapi-schema-validator).
pytest-sdk5: venv-sdk5
	@cd $(REPO) && PYTHONPATH=$(REPO)/tools $(CI_TOOLS)/pytest_step.sh $(VENVS)/sdk5/bin/python \
		tests/local_cloudflare/test_official_sdk5.py

# The modules in-process against the local API: bad input, null selectors, the fault matrix (once, dev venv).
pytest-live: venv copy
	@cd $(COPY) && PYTHONPATH=$(BUILD) $(CI_TOOLS)/pytest_step.sh $(VENV)/bin/python tests/live

# ---------------------------------------------------------------- ansible-test, one core at a time
$(addprefix sanity-,$(CORES)): sanity-%: venv-core-% shellcheck copy
	@cd $(COPY) && $(call core_env,$*) ansible-test sanity --venv --python $(CORE_PY_$*)

$(addprefix units-,$(CORES)): units-%: venv-core-% copy
	@cd $(COPY) && $(call core_env,$*) $(CI_TOOLS)/ansible_test_units.sh $(CORE_PY_$*)

$(addprefix integration-,$(CORES)): integration-%: venv venv-core-% copy
	@cd $(COPY) && $(call core_env,$*) $(CI_TOOLS)/ansible_test_integration.sh $(CORE_PY_$*)

# The association and deletion targets once per read variant of the local API (one core: the dev venv's).
integration-variants: venv venv-core-$(DEV_CORE) copy
	@cd $(COPY) && $(call core_env,$(DEV_CORE)) $(CI_TOOLS)/ansible_test_integration_variants.sh $(CORE_PY_$(DEV_CORE))

# test-quick: sanity with the ansible-core of the dev venv.
sanity-dev: venv shellcheck copy
	@$(CI_TOOLS)/install_get_pip.sh $(VENV)
	@cd $(COPY) && $(dev_env) ansible-test sanity --venv --python $(DEV_PY)

# ---------------------------------------------------------------- OpenAPI extract and build
# The facts-only extract of Cloudflare's OpenAPI description under tests/openapi (committed; see its README).
openapi-extract: venv
	@$(VENV)/bin/python $(REPO)/tools/openapi_extract.py --source $(SHARED)/cloudflare-openapi --out $(REPO)/tests/openapi

build: venv copy
	@$(dev_env) $(CI_TOOLS)/build_collection.sh "$(COPY)" "$(BUILD)"

# ---------------------------------------------------------------- docs, AWX, release
docs: venv copy
	@$(dev_env) $(CI_TOOLS)/build_docs.sh "$(BUILD)" "$(BUILD)/docs"

docs-strict: venv copy
	@$(dev_env) $(CI_TOOLS)/build_docs.sh "$(BUILD)" "$(BUILD)/docs" --strict

awx-ee: venv copy
	@$(dev_env) $(CI_TOOLS)/check_ee.sh "$(BUILD)" "$(BUILD)/ee-context"

awx-job: venv copy
	@$(dev_env) $(CI_TOOLS)/awx_job.sh "$(BUILD)"

release-check: venv
	@$(dev_env) $(CI_TOOLS)/release_check.sh "$(REPO)" "$(BUILD)/release-check/ansible_collections/mtls/cloudflare"

release: venv
	@test -n "$(VERSION)" || { echo 'usage: make release VERSION=X.Y.Z (the version in galaxy.yml)' >&2; exit 2; }
	@cd $(REPO) && $(dev_env) antsibull-changelog release --version "$(VERSION)"
