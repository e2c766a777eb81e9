# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test creates its ``--venv`` environments without pip, then runs
``~/.ansible/test/cache/get_pip_<version>.py`` (downloading it from a host this project cannot
reach unless the file is already there) as::

    <venv python> get_pip_<version>.py --disable-pip-version-check pip==<version> [--no-setuptools] [--no-wheel]

with ``GET_PIP`` and ``PIP_BREAK_SYSTEM_PACKAGES`` in the environment. The Makefile copies this
file to that path for every pip version the tested cores ask for. Like the real get-pip.py it
takes ``pip install`` arguments plus ``--no-pip``/``--no-setuptools``/``--no-wheel``; instead of
an embedded copy of pip it runs the pip wheel that CPython's ensurepip bundles, which installs
the requested pip (and anything else asked for) from the package index.
"""

import glob
import os
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ('--no-pip', '--no-setuptools', '--no-wheel')


def bundled_pip_wheel():
    """Return the path of a pip wheel shipped with this interpreter, or None."""
    folders = ['/usr/share/python-wheels']
    try:
        import ensurepip  # pylint: disable=import-outside-toplevel
    except ImportError:
        pass
    else:
        folders.insert(0, os.path.join(os.path.dirname(ensurepip.__file__), '_bundled'))
    for folder in folders:
        wheels = sorted(glob.glob(os.path.join(folder, 'pip-*.whl')))
        if wheels:
            return wheels[-1]
    return None


def named(args, project):
    """Tell whether a requirement for the project is among the pip arguments."""
    for arg in args:
        name = arg.split('==')[0].split('>=')[0].split('<')[0].split('[')[0].strip().lower()
        if name == project:
            return True
    return False


def install_arguments(argv):
    """Turn get-pip.py's command line into ``pip install`` arguments."""
    args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]
    for project in ('pip', 'setuptools', 'wheel'):
        if '--no-' + project not in argv and not named(args, project):
            args.append(project)
    return ['install', '--upgrade', '--force-reinstall'] + args


def main():
    """Install pip (and the requested packages) into the running interpreter's environment."""
    pip_args = install_arguments(sys.argv[1:])
    wheel = bundled_pip_wheel()
    if wheel:
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(filter(None, [wheel, env.get('PYTHONPATH')]))
        return subprocess.call([sys.executable, '-m', 'pip'] + pip_args, env=env)
    # No bundled wheel (for example a distribution Python that splits ensurepip out): let
    # ensurepip install its pip first, then upgrade to what was asked for.
    status = subprocess.call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    if status:
        return status
    return subprocess.call([sys.executable, '-m', 'pip'] + pip_args)


if __name__ == '__main__':
    sys.exit(main())
