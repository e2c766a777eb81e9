# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the steps of ``make test`` / ``make test-quick``, up to ``--jobs`` at a time.

Usage: python run_steps.py full|quick --cores "2.16:3.11 2.20:3.12 ..." [--dev-core X.Y] [--make MAKE] [--jobs N]

Each step is one Makefile target, run as ``make -j1 TARGET``. A failing step does not stop the
run. A step that cannot run (no interpreter for a core) is failed, loudly, without running; so
is a step whose setup step failed. The run ends with a table of the steps with their elapsed
seconds and, as the very last line, ``N passed, N failed``; the exit status is 1 when any step
failed.

With one job, a step's output streams as it comes. With more (the default is one per CPU, at
most ``MAX_JOBS``), steps run side by side: each job slot has a build directory of its own
(``BUILD=.build/job-K``: the collection copy, ansible-test's output and venvs), a step's output
goes to ``.build/logs/STEP.log`` and is printed whole, under the step's header, when the step
ends, so no two steps' lines mix. Steps that share a cache outside the build directory (every
ansible-test sanity run fills ``~/.ansible/test/venv``; venv set-ups write pip's bootstrap
script to ``~/.ansible/test/cache``) hold a lock: one of them at a time.
Standard library only: it runs before any venv exists.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RULE = '=' * 78
MAX_JOBS = 4


class Step:
    """One counted step: a name, the make target that performs it, the steps it needs, its lock."""

    def __init__(self, name, target, needs=(), cannot_run=None, lock=None):
        self.name = name
        self.target = target
        self.needs = tuple(needs)
        self.cannot_run = cannot_run
        self.lock = lock
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


def plan(profile, cores, dev_core=None):
    """Return the steps of a profile, in the order they are started (when what they need is done)."""
    venv = 'setup:venv'
    steps = [
        Step(venv, 'venv'),
        Step('setup:shellcheck', 'shellcheck'),
    ]
    if profile == 'quick':
        steps += [Step('sanity:%s' % core, 'sanity-dev', [venv, 'setup:shellcheck'], lock='sanity') for core, _python in cores]
        steps += checks_of_the_dev_venv(venv, profile)
        return steps
    # The longest steps first, so that the job slots end close together: the read variants, each
    # core's integration and sanity, then the rest.
    per_core = []
    for core, python in cores:
        setup = 'setup:core-%s' % core
        missing = None
        interpreter = find_python(python)
        if interpreter:
            print('ansible-core %s runs on Python %s: %s' % (core, python, interpreter))
        else:
            missing = 'no working Python %s on this machine (looked in $(pyenv root)/versions and on PATH)' % python
            print('ansible-core %s: CANNOT RUN, %s' % (core, missing))
        steps.append(Step(setup, 'venv-core-%s' % core, cannot_run=missing, lock='setup'))
        per_core.append([
            Step('integration:%s' % core, 'integration-%s' % core, [venv, setup], cannot_run=missing),
            Step('sanity:%s' % core, 'sanity-%s' % core, [setup, 'setup:shellcheck'], cannot_run=missing, lock='sanity'),
            Step('units:%s' % core, 'units-%s' % core, [setup], cannot_run=missing),
        ])
    if dev_core in [core for core, _python in cores]:
        # The targets that remove associations and delete certificates, under every other read
        # variant: the longest step of all, so it is the first to start.
        steps.append(Step('integration:variants', 'integration-variants', [venv, 'setup:core-%s' % dev_core]))
    steps += [step for core_steps in per_core for step in core_steps]
    steps += checks_of_the_dev_venv(venv, profile)
    steps.append(Step('build', 'build', [venv]))
    # The collection as users get it: its docs site (warnings are errors), the AWX execution
    # environment definition, a job run through ansible-runner, and the release of galaxy.yml's version.
    steps.append(Step('docs', 'docs-strict', [venv]))
    steps.append(Step('awx:ee', 'awx-ee', [venv]))
    steps.append(Step('awx:job', 'awx-job', [venv]))
    steps.append(Step('release:check', 'release-check', [venv]))
    return steps


def checks_of_the_dev_venv(venv, profile):
    """Lint and the pytest suites, which run on the dev venv."""
    steps = [
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
    return steps


def step_environment():
    """The environment of every step: unbuffered, and plain logs when the output is not a terminal."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    if not sys.stdout.isatty() or env.get('CI'):
        # No colour escapes from ansible-lint (rich), pytest or ansible.
        env.setdefault('NO_COLOR', '1')
        env.setdefault('PY_COLORS', '0')
        env.setdefault('ANSIBLE_NOCOLOR', '1')
    return env


class Runner:
    """Starts steps in plan order as their needs are met, at most ``jobs`` at a time."""

    def __init__(self, steps, make, jobs):
        self.steps = steps
        self.make = make
        self.jobs = jobs
        self.done = 0
        self.running = {}   # slot -> (step, process, log file, started)
        self.logs = os.path.join(REPO, '.build', 'logs')

    def header(self, step, text=''):
        self.done += 1
        print('\n%s\n== [%d/%d] %s   (make %s)%s\n%s' % (RULE, self.done, len(self.steps), step.name, step.target, text, RULE),
              flush=True)

    def finish(self, step, status, started):
        step.seconds = time.monotonic() - started
        step.result, step.note = ('failed', 'exit status %d' % status) if status else ('passed', '')
        print('== %s: %s in %.1f s%s' % (step.name, step.result.upper(), step.seconds, ' (%s)' % step.note if step.note else ''),
              flush=True)

    def command(self, step, slot):
        command = [self.make, '-j1', '--no-print-directory', step.target]
        if self.jobs > 1:
            command.append('BUILD=%s' % os.path.join(REPO, '.build', 'job-%d' % slot))
        return command

    def ready(self, step, outcome):
        """'run', 'skip' (a need failed), or None (wait: a need or the lock is busy)."""
        if step.cannot_run:
            return 'run'
        if any(outcome.get(need) == 'failed' for need in step.needs):
            return 'skip'
        if any(outcome.get(need) != 'passed' for need in step.needs):
            return None
        if step.lock and any(other.lock == step.lock for other, _p, _l, _s in self.running.values()):
            return None
        return 'run'

    def start(self, step, outcome):
        """Start a step in a free slot (or settle it at once when it cannot or need not run)."""
        if step.cannot_run:
            self.header(step)
            step.result, step.note = 'failed', 'cannot run: %s' % step.cannot_run
            print('== %s: FAILED (%s)' % (step.name, step.note), flush=True)
            outcome[step.name] = step.result
            return
        slot = min(set(range(1, self.jobs + 1)) - set(self.running))
        started = time.monotonic()
        if self.jobs == 1:
            self.header(step)
            status = subprocess.call(self.command(step, slot), env=step_environment(), stdin=subprocess.DEVNULL)
            self.finish(step, status, started)
            outcome[step.name] = step.result
            return
        os.makedirs(self.logs, exist_ok=True)
        log = open(os.path.join(self.logs, step.name.replace(':', '-') + '.log'), 'w+b')  # pylint: disable=consider-using-with
        process = subprocess.Popen(self.command(step, slot), env=step_environment(), stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                   stdout=log, stderr=subprocess.STDOUT)
        print('-- started %s (job slot %d)' % (step.name, slot), flush=True)
        self.running[slot] = (step, process, log, started)

    def reap(self, outcome):
        """Settle every step whose process has ended; return whether one did."""
        ended = False
        for slot, (step, process, log, started) in sorted(self.running.items()):
            status = process.poll()
            if status is None:
                continue
            ended = True
            del self.running[slot]
            self.header(step, '   [job slot %d]' % slot)
            log.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(log, sys.stdout.buffer)
            log.close()
            sys.stdout.buffer.flush()
            self.finish(step, status, started)
            outcome[step.name] = step.result
        return ended

    def run(self):
        """Run every step; return the outcome of each by name."""
        outcome = {}
        pending = list(self.steps)
        while pending or self.running:
            progressed = False
            for step in list(pending):
                if len(self.running) >= self.jobs and not step.cannot_run:
                    break
                verdict = self.ready(step, outcome)
                if verdict is None:
                    continue
                pending.remove(step)
                progressed = True
                if verdict == 'skip':
                    broken = [need for need in step.needs if outcome.get(need) == 'failed']
                    step.result, step.note = 'failed', 'not run: %s failed' % ', '.join(broken)
                    self.done += 1
                    print('\n%s\n== [%d/%d] %s: FAILED, not run because %s failed'
                          % (RULE, self.done, len(self.steps), step.name, ', '.join(broken)), flush=True)
                    outcome[step.name] = step.result
                else:
                    self.start(step, outcome)
                # Re-scan from the top: a step settled now may unblock an earlier one.
                break
            if progressed:
                continue
            if not self.reap(outcome):
                if not self.running:
                    raise RuntimeError('no step can start: %s' % ', '.join(step.name for step in pending))
                time.sleep(0.2)
        return outcome


def summary(steps, seconds):
    """Print the table of results; return (passed, failed)."""
    width = max(len(step.name) for step in steps)
    row = '{:<%d}  {:<7}  {:>8}  {}' % width
    print('\n%s\n== summary\n%s' % (RULE, RULE))
    print(row.format('step', 'result', 'seconds', 'note').rstrip())
    for step in steps:
        print(row.format(step.name, step.result, '%.1f' % step.seconds, step.note).rstrip())
    print(row.format('steps (sum)', '', '%.1f' % sum(step.seconds for step in steps), '').rstrip())
    print(row.format('total (wall)', '', '%.1f' % seconds, '').rstrip())
    passed = sum(1 for step in steps if step.result == 'passed')
    failed = sum(1 for step in steps if step.result == 'failed')
    return passed, failed


def default_jobs():
    """MAKE_TEST_JOBS (a whole number, at least 1), else one per CPU, at most MAX_JOBS."""
    text = os.environ.get('MAKE_TEST_JOBS', '').strip()
    if not text:
        return max(1, min(os.cpu_count() or 1, MAX_JOBS))
    if not text.isdigit() or int(text) < 1:
        sys.exit('run_steps: MAKE_TEST_JOBS must be a whole number of at least 1, got %r' % text)
    return int(text)


def main():
    """Plan, run and summarise the steps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('profile', choices=('full', 'quick'))
    parser.add_argument('--cores', required=True, help='space-separated CORE:PYTHON pairs')
    parser.add_argument('--dev-core', help='the core that runs integration-variants (full profile)')
    parser.add_argument('--make', default=os.environ.get('MAKE', 'make'))
    parser.add_argument('--jobs', type=int, default=None, help='steps at a time (MAKE_TEST_JOBS; default one per CPU)')
    args = parser.parse_args()
    if args.jobs is None:
        args.jobs = default_jobs()
    elif args.jobs < 1:
        parser.error('--jobs must be at least 1')

    started = time.monotonic()
    steps = plan(args.profile, parse_cores(args.cores), args.dev_core)
    print('%d steps, up to %d at a time' % (len(steps), args.jobs), flush=True)
    Runner(steps, args.make, args.jobs).run()
    passed, failed = summary(steps, time.monotonic() - started)
    print('%d passed, %d failed' % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
