# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sphinx configuration of the collection's docs site (tools/ci/build_docs.sh; `make docs`).

Made from what `antsibull-docs sphinx-init` writes, except intersphinx: its inventories are
downloaded from docs.ansible.com and docs.python.org, which a CI machine cannot reach, and a
failed download is a warning, which the strict build treats as an error. The few labels of the
Ansible docs that the generated pages refer to are written into a small local inventory instead,
so they still link to docs.ansible.com and any other unresolved reference still fails the build.
"""

import os
import tempfile
import zlib

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# label -> (path under ANSIBLE_DOCS, title); add one when a strict build names a missing label of the Ansible docs.
ANSIBLE_LABELS = {
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_collections.community.general.cloudflare_dns_module': (
        'collections/community/general/cloudflare_dns_module.html', 'community.general.cloudflare_dns module'),
}


def _write_inventory(path):
    """Write a Sphinx inventory (version 2) of ANSIBLE_LABELS to path."""
    entries = ''.join('%s std:label -1 %s %s\n' % (label, target, title) for label, (target, title) in sorted(ANSIBLE_LABELS.items()))
    with open(path, 'wb') as inventory:
        inventory.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                        b'# The remainder of this file is compressed using zlib.\n')
        inventory.write(zlib.compress(entries.encode('utf-8')))
    return path


_INVENTORY = _write_inventory(os.path.join(os.environ.get('DOCS_INVENTORY_DIR', tempfile.gettempdir()), 'ansible_devel.inv'))
intersphinx_mapping = {'ansible_devel': (ANSIBLE_DOCS, _INVENTORY)}

project = 'mtls.cloudflare'
copyright = 'mtls.cloudflare contributors'
title = 'mtls.cloudflare: Cloudflare mTLS certificates with Ansible'
html_short_title = 'mtls.cloudflare'

extensions = ['sphinx.ext.intersphinx', 'sphinx_antsibull_ext']

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = 'any'
nitpicky = True
