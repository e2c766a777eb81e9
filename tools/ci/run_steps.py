# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the steps of ``make test`` / ``make test-quick`` one after the other.

Usage: python run_steps.py full|quick --cores "2.16:3.11 2.20:3.12 ..." [--make MAKE]

Each step is one Makefile target, run as ``make -j1 TARGET`` with its output passed straight
through. A failing step does not stop the run. A step that cannot run (no interpreter for a
core) is failed, loudly, without running; so is a step whose setup step failed. The run ends with a table of the steps with their elapsed seconds and,
as the very last line, ``N passed, N failed``; the exit status is 1 when any step failed.
Standard library only: it runs before any venv exists.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RULE = '=' * 78


class Step:
    """One counted step: a name, the make target that performs it, and the steps it needs."""

    def __init__(self, name, target, needs=(), cannot_run=None):
        self.name = name
        self.target = target
        self.needs = tuple(needs)
        self.cannot_run = cannot_run
        self.result = None
        self.note = ''
        self.seconds = 0.0


def find_python(version):
    """Return the path of a working Python of that version, or None."""
    try:
        output = subprocess.run([os.path.join(HERE, 'find_python.sh'), version], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True, universal_newlines=True).stdout
    except subprocess.CalledProcessError:
        return None
    return output.strip() or None


def parse_cores(text):
    """Turn "2.16:3.11 2.20:3.12" into [('2.16', '3.11'), ('2.20', '3.12')]."""
    cores = []
    for item in text.split():
        core, _sep, python = item.partition(':')
        cores.append((core, python))
    return cores


def plan(profile, cores):
    """Return the steps of a profile, in the order they run."""
    venv = 'setup:venv'
    steps = [
        Step(venv, 'venv'),
        Step('setup:shellcheck', 'shellcheck'),
        Step('lint:ansible-lint', 'lint-ansible-lint', [venv]),
        Step('lint:yamllint', 'lint-yamllint', [venv]),
        Step('lint:antsibull-changelog', 'lint-changelog', [venv]),
        Step('lint:antsibull-docs', 'lint-docs', [venv]),
        Step('lint:collection', 'lint-collection', [venv]),
        Step('pytest:local_cloudflare', 'pytest-local-cloudflare', [venv]),
        Step('pytest:unit', 'pytest-unit', [venv]),
        Step('pytest:live', 'pytest-live', [venv]),
    ]
    if profile != 'quick':
        # The official SDK 5.x against the local API, in a venv of its own (the dev venv has 4.3.1).
        steps.append(Step('pytest:sdk5', 'pytest-sdk5'))
    if profile == 'quick':
        for core, _python in cores:
            steps.append(Step('sanity:%s' % core, 'sanity-dev', [venv]))
        return steps
    for core, python in cores:
        setup = 'setup:core-%s' % core
        missing = None
        interpreter = find_python(python)
        if interpreter:
            print('ansible-core %s runs on Python %s: %s' % (core, python, interpreter))
        else:
            missing = 'no working Python %s on this machine (looked in $(pyenv root)/versions and on PATH)' % python
            print('ansible-core %s: CANNOT RUN, %s' % (core, missing))
        steps.append(Step(setup, 'venv-core-%s' % core, cannot_run=missing))
        steps.append(Step('sanity:%s' % core, 'sanity-%s' % core, [setup], cannot_run=missing))
        steps.append(Step('units:%s' % core, 'units-%s' % core, [setup], cannot_run=missing))
        steps.append(Step('integration:%s' % core, 'integration-%s' % core, [venv, setup], cannot_run=missing))
    steps.append(Step('contract', 'contract', [venv]))
    steps.append(Step('build', 'build', [venv]))
    # The collection as users get it: its docs site (warnings are errors), the AWX execution
    # environment definition, a job run through ansible-runner, and the release of galaxy.yml's version.
    steps.append(Step('docs', 'docs-strict', [venv]))
    steps.append(Step('awx:ee', 'awx-ee', [venv]))
    steps.append(Step('awx:job', 'awx-job', [venv]))
    steps.append(Step('release:check', 'release-check', [venv]))
    return steps


def run_step(step, make, index, total):
    """Run one step, streaming its output, and record its result."""
    print('\n%s\n== [%d/%d] %s   (make %s)\n%s' % (RULE, index, total, step.name, step.target, RULE), flush=True)
    started = time.monotonic()
    if step.cannot_run:
        step.result, step.note = 'failed', 'cannot run: %s' % step.cannot_run
    else:
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        if not sys.stdout.isatty():
            # Plain logs: no colour escapes from ansible-lint (rich), pytest or ansible.
            env.setdefault('NO_COLOR', '1')
            env.setdefault('PY_COLORS', '0')
            env.setdefault('ANSIBLE_NOCOLOR', '1')
        status = subprocess.call([make, '-j1', '--no-print-directory', step.target], env=env, stdin=subprocess.DEVNULL)
        step.result, step.note = ('failed', 'exit status %d' % status) if status else ('passed', '')
    step.seconds = time.monotonic() - started
    print('== %s: %s in %.1f s%s' % (step.name, step.result.upper(), step.seconds, ' (%s)' % step.note if step.note else ''), flush=True)


def summary(steps, seconds):
    """Print the table of results; return (passed, failed)."""
    width = max(len(step.name) for step in steps)
    row = '{:<%d}  {:<7}  {:>8}  {}' % width
    print('\n%s\n== summary\n%s' % (RULE, RULE))
    print(row.format('step', 'result', 'seconds', 'note').rstrip())
    for step in steps:
        print(row.format(step.name, step.result, '%.1f' % step.seconds, step.note).rstrip())
    print(row.format('total', '', '%.1f' % seconds, '').rstrip())
    passed = sum(1 for step in steps if step.result == 'passed')
    failed = sum(1 for step in steps if step.result == 'failed')
    return passed, failed


def main():
    """Plan, run and summarise the steps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('profile', choices=('full', 'quick'))
    parser.add_argument('--cores', required=True, help='space-separated CORE:PYTHON pairs')
    parser.add_argument('--make', default=os.environ.get('MAKE', 'make'))
    args = parser.parse_args()

    started = time.monotonic()
    steps = plan(args.profile, parse_cores(args.cores))
    outcome = {}
    for index, step in enumerate(steps, 1):
        broken = [need for need in step.needs if outcome.get(need) == 'failed']
        if broken and not step.cannot_run:
            step.result, step.note = 'failed', 'not run: %s failed' % ', '.join(broken)
            print('\n%s\n== [%d/%d] %s: FAILED, not run because %s failed' % (RULE, index, len(steps), step.name, ', '.join(broken)), flush=True)
        else:
            run_step(step, args.make, index, len(steps))
        outcome[step.name] = step.result
    passed, failed = summary(steps, time.monotonic() - started)
    print('%d passed, %d failed' % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
