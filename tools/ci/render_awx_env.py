# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render an AWX credential type's ``env`` injectors into an ansible-runner ``env/envvars`` file.

Usage: python render_awx_env.py CREDENTIAL_TYPE.yml ENVVARS_OUT [NAME=VALUE ...]

NAME=VALUE are the credential's inputs; ``NAME=@ENVVAR`` takes the value from the environment
variable ENVVAR, so that a secret never appears on a command line. As AWX does it: inputs that are
not given (or empty) are left out of the template namespace, booleans default to false, each
injector is a Jinja2 template rendered in an immutable sandbox. Extra entries of the job's
environment that are not secret can be added with ``--env NAME=VALUE``. Fails when a required
input is missing or a template does not render.
"""

import argparse
import os
import sys

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment


def inputs_from(pairs):
    """Turn NAME=VALUE / NAME=@ENVVAR pairs into a dict."""
    inputs = {}
    for pair in pairs:
        name, sep, value = pair.partition('=')
        if not sep:
            raise SystemExit('render_awx_env: %r is not NAME=VALUE' % pair)
        if value.startswith('@'):
            variable = value[1:]
            if variable not in os.environ:
                raise SystemExit('render_awx_env: the environment variable %s (for input %s) is not set' % (variable, name))
            value = os.environ[variable]
        inputs[name] = value
    return inputs


def render(credential_type, inputs):
    """Return the environment the credential type injects for these inputs."""
    fields = credential_type.get('inputs', {}).get('fields', [])
    known = {field['id'] for field in fields}
    unknown = sorted(set(inputs) - known)
    if unknown:
        raise SystemExit('render_awx_env: the credential type has no input %s' % ', '.join(unknown))
    missing = [name for name in credential_type.get('inputs', {}).get('required', []) if not inputs.get(name)]
    if missing:
        raise SystemExit('render_awx_env: required inputs missing: %s' % ', '.join(missing))
    namespace = {name: value for name, value in inputs.items() if value != ''}
    for field in fields:
        if field.get('type') == 'boolean' and field['id'] not in namespace:
            namespace[field['id']] = False
    sandbox = ImmutableSandboxedEnvironment()
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type.get('injectors', {}).get('env', {}).items()}


def main(argv):
    """Render and write the file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('credential_type')
    parser.add_argument('envvars')
    parser.add_argument('inputs', nargs='*', metavar='NAME=VALUE')
    parser.add_argument('--env', action='append', default=[], metavar='NAME=VALUE')
    args = parser.parse_args(argv)
    with open(args.credential_type, encoding='utf-8') as source:
        credential_type = yaml.safe_load(source)
    environment = render(credential_type, inputs_from(args.inputs))
    for pair in args.env:
        name, _sep, value = pair.partition('=')
        environment[name] = value
    descriptor = os.open(args.envvars, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'w', encoding='utf-8') as envvars:
        yaml.safe_dump(environment, envvars, default_flow_style=False)
    print('rendered %s from %s: %s' % (args.envvars, args.credential_type, ', '.join(sorted(environment))))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
