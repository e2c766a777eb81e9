# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The desired-state logic of the hostname_certificate module: upload and adopt, detach and delete.

Every path reads first and plans; check mode stops before the first write with the
predicted result. A write whose answer was lost is never blindly repeated: the state is
read again to decide.
"""

from __future__ import annotations

from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._hostname_certificates import (
    HOSTNAME_CERTIFICATE_LIMIT, association_state, certificate_diff_view, certificate_leaf, check_private_key,
    get_hostname_certificate, hostname_certificates_path, is_gone, list_hostname_certificates, put_associations,
    read_association, same_leaf, serial_matches, shape_hostname_certificate,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._validation import (
    InputError, validate_hostname, validate_id, validate_serial,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import wait_for

ALREADY_EXISTS = 1406
# 4xx answers that refuse the request itself; auth, absence and rate limits mean something else.
REFUSAL_STATUSES = (400, 409, 412, 422)
NOT_USABLE = {
    'pending_deletion': 'is pending_deletion: Cloudflare refuses to upload it again until the deletion completes; run again once it '
                        'is deleted (state=absent with wait=true waits for that)',
    'deployment_timed_out': 'is in deployment_timed_out: Cloudflare could not deploy it; delete it (state=absent) and upload it again',
    'deletion_timed_out': 'is in deletion_timed_out: an earlier deletion did not complete; delete it again (state=absent), then upload it',
}


class HostnameCertificateLifecycle(object):
    """One run of hostname_certificate; ``result()`` is what the module returns, also on failure."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = None
        self.changed = False
        self.before = None
        self.after = None
        self.leaf = None
        self.hostnames = []
        self.detached = []
        self.not_detached = []

    def result(self):
        result = dict(changed=self.changed, hostname_certificate=self.after,
                      detached_hostnames=list(self.detached), hostnames_not_detached=list(self.not_detached))
        if self.module._diff:
            result['diff'] = dict(before=certificate_diff_view(self.before), after=certificate_diff_view(self.after))
        return result

    def check_input(self):
        """Everything that can be refused without a request."""
        params = self.params
        if params['id'] is not None:
            validate_id(params['id'], 'id')
        if params['serial_number'] is not None:
            validate_serial(params['serial_number'], 'serial_number')
        if params['certificate'] is not None:
            self.leaf = certificate_leaf(params['certificate'])
        if params['state'] == 'present':
            check_private_key(params['private_key'])
            if params['detach_hostnames']:
                raise InputError('detach_hostnames only applies to state=absent; use mtls.cloudflare.hostname_association to change associations')
        for value in params['detach_hostnames'] or []:
            hostname = validate_hostname(value, 'detach_hostnames')
            if hostname not in self.hostnames:
                self.hostnames.append(hostname)
        if params['wait_timeout'] < 0:
            raise InputError('wait_timeout must be 0 or more seconds, got %d' % params['wait_timeout'])

    # --- state: present ----------------------------------------------------------------------

    def ensure_present(self):
        listing = list_hostname_certificates(self.client)
        existing = self._find_by_leaf(listing)
        if existing is not None:
            self.before = self.after = shape_hostname_certificate(existing)
            self._usable(self.before)
        elif self.module.check_mode:
            self.changed = True
            self.after = dict(shape_hostname_certificate({}), certificate=self.leaf,
                              status='active' if self.params['wait'] else 'pending_deployment')
            return
        else:
            # _upload says whether this run uploaded it (False when it adopts someone else's upload).
            self.changed, uploaded = self._upload(listing)
            self.after = shape_hostname_certificate(uploaded)
        if self.params['wait'] and not self.module.check_mode:
            self._wait_active()

    def _find_by_leaf(self, listing):
        # Cloudflare keeps one copy of a certificate per zone (1406), so there is at most one live match.
        matches = [item for item in listing if same_leaf(item, self.leaf) and not is_gone(item)]
        return matches[0] if matches else None

    def _usable(self, shaped):
        reason = NOT_USABLE.get(shaped['status'])
        if reason:
            raise CloudflareError('hostname certificate %s (the same certificate) %s' % (shaped['id'], reason),
                                  method='GET', path=hostname_certificates_path(self.client), status=200)
        return shaped

    def _upload(self, listing):
        path = hostname_certificates_path(self.client)
        body = {'certificate': self.params['certificate'], 'private_key': self.params['private_key']}
        try:
            return True, self._uploaded(self.client.request('POST', path, body=body))
        except CloudflareError as error:
            if error.ambiguous:
                # Whatever happens next, the upload may have happened: say so if the run fails.
                self.changed = True
                return True, self._after_lost_upload(path, body)
            if ALREADY_EXISTS in error.codes:
                # Uploaded by someone else between the list and the POST: this run changed nothing.
                found = self._adopt_after_1406(error)
                self.before = shape_hostname_certificate(found)
                return False, found
            if error.status in REFUSAL_STATUSES and self._limit_reached(error, listing):
                error.message = self._limit_message(error, listing)
            raise

    def _uploaded(self, page):
        if isinstance(page.result, dict) and (page.result.get('id') or page.result.get('cert_id')):
            return page.result
        return self._find_by_leaf(list_hostname_certificates(self.client)) or {}

    def _after_lost_upload(self, path, body):
        found = self._find_by_leaf(list_hostname_certificates(self.client))
        if found is not None:
            return self._usable_raw(found)
        # Not listed, so the upload did not happen; and Cloudflare refuses a second copy of a
        # certificate (1406), so sending it again cannot create a duplicate.
        self.module.warn('Cloudflare API POST %s: the answer to the upload was lost and the certificate is not listed; uploading it again' % path)
        try:
            return self._uploaded(self.client.request('POST', path, body=body))
        except CloudflareError as error:
            if ALREADY_EXISTS in error.codes or error.ambiguous:
                return self._adopt_after_1406(error)
            raise

    def _adopt_after_1406(self, error):
        found = self._find_by_leaf(list_hostname_certificates(self.client))
        if found is None:
            error.message += ('. The certificate is not in the zone\'s list although the upload was refused or its answer lost; '
                              'run the task again to read the state afresh')
            raise error
        return self._usable_raw(found)

    def _usable_raw(self, raw):
        self._usable(shape_hostname_certificate(raw))
        return raw

    @staticmethod
    def _limit_reached(error, listing):
        said = ' '.join(str(item.get('message', '')) for item in error.errors if isinstance(item, dict)).lower()
        live = [item for item in listing if not is_gone(item)]
        return len(live) >= HOSTNAME_CERTIFICATE_LIMIT or 'limit' in said or 'maximum' in said or 'most allowed' in said

    @staticmethod
    def _limit_message(error, listing):
        live = [shape_hostname_certificate(item) for item in listing if not is_gone(item)]
        return ('Cloudflare refused the upload: the zone has reached its limit of hostname certificates (%d per zone) and holds %d '
                '(%s). Delete one that no hostname uses first (mtls.cloudflare.hostname_certificate with state=absent). %s'
                % (HOSTNAME_CERTIFICATE_LIMIT, len(live), ', '.join('%s %s' % (item['id'], item['status']) for item in live) or 'none listed',
                   error.message))

    def _wait_active(self):
        certificate_id = self.after['id']

        def failure(raw):
            status = shape_hostname_certificate(raw)['status'] if raw is not None else 'deleted'
            if status in ('deleted', 'pending_deletion'):
                return 'hostname certificate %s was deleted while waiting for it to become active' % certificate_id
            if status in NOT_USABLE:
                return 'hostname certificate %s %s' % (certificate_id, NOT_USABLE[status])
            return None

        last = wait_for(self.client, lambda: get_hostname_certificate(self.client, certificate_id),
                        lambda raw: raw is not None and shape_hostname_certificate(raw)['status'] == 'active',
                        _describe, 'hostname certificate %s to become active' % certificate_id, self.params['wait_timeout'], failure)
        self.after = shape_hostname_certificate(last)

    # --- state: absent -------------------------------------------------------------------------

    def ensure_absent(self):
        target = self._select()
        if target is None:
            return
        self.before = self.after = shape_hostname_certificate(target)
        status = self.before['status']
        if status == 'deleted':
            return
        if status != 'pending_deletion':
            detach = self._plan_detach(self.before['id'])
            if self.module.check_mode:
                self.changed = True
                self.after = dict(self.before, status='deleted' if self.params['wait'] else 'pending_deletion')
                return
            if detach:
                try:
                    put_associations(self.client, detach)
                except CloudflareError as error:
                    # A PUT whose answer never came may still have detached them; a refused one did not.
                    self.changed = error.ambiguous
                    if not error.ambiguous:
                        self.detached = []
                    raise
                self.changed = True
            self.after = self._delete(self.before['id'])
        if self.params['wait'] and not self.module.check_mode and self.after['status'] != 'deleted':
            self._wait_deleted(self.before['id'])

    def _select(self):
        params = self.params
        if params['id'] is not None:
            return get_hostname_certificate(self.client, params['id'])
        listing = list_hostname_certificates(self.client)
        if params['serial_number'] is not None:
            matches = [item for item in listing if serial_matches(item.get('serial_number'), params['serial_number'])]
        else:
            matches = [item for item in listing if same_leaf(item, self.leaf)]
        live = [item for item in matches if not is_gone(item)]
        if len(live) > 1:
            selector = 'serial_number %s' % params['serial_number'] if params['serial_number'] is not None else 'certificate'
            candidates = ', '.join('%s (%s)' % (shape_hostname_certificate(item)['id'], shape_hostname_certificate(item)['status']) for item in live)
            raise CloudflareError('%s matches several hostname certificates: %s; select one by id' % (selector, candidates),
                                  method='GET', path=hostname_certificates_path(self.client), status=200)
        return (live or matches or [None])[0]

    def _plan_detach(self, certificate_id):
        """Read each hostname of detach_hostnames; only those on this certificate are detached."""
        config = []
        for hostname in self.hostnames:
            association = read_association(self.client, hostname)
            current = association['cert_id'] if association_state(association) != 'absent' else None
            if current == certificate_id:
                config.append({'hostname': hostname, 'cert_id': certificate_id, 'enabled': None})
                self.detached.append(hostname)
            else:
                self.not_detached.append({'hostname': hostname, 'cert_id': current})
        return config

    def _delete(self, certificate_id):
        path = hostname_certificates_path(self.client, certificate_id)
        try:
            page = self._send_delete(path)
        except CloudflareError as error:
            if not error.ambiguous:
                raise
            self.changed = True
            current = get_hostname_certificate(self.client, certificate_id)
            if is_gone(current) or shape_hostname_certificate(current)['status'] == 'pending_deletion':
                return shape_hostname_certificate(current) if current is not None else dict(self.before, status='deleted')
            # Still there as before: the DELETE did not happen, so sending it again deletes once.
            self.changed = bool(self.detached)
            self.module.warn('Cloudflare API DELETE %s: the answer was lost and the certificate is still %s; deleting it again'
                             % (path, shape_hostname_certificate(current)['status']))
            page = self._send_delete(path)
        if page is None:
            # Deleted by someone else since it was read: only the detaching was this run's doing.
            return dict(self.before, status='deleted')
        self.changed = True
        if isinstance(page.result, dict) and (page.result.get('id') or page.result.get('cert_id')):
            return shape_hostname_certificate(page.result)
        return dict(self.before, status='pending_deletion')

    def _send_delete(self, path):
        # No body: the SDKs send none, although the 2024-08 spec asks for an empty JSON one.
        try:
            return self.client.request('DELETE', path, absent_ok=True)
        except CloudflareError as error:
            if error.status in REFUSAL_STATUSES:
                error.message = self._refusal_message(error)
            raise

    def _refusal_message(self, error):
        text = ('Cloudflare refused to delete hostname certificate %s, most likely because hostnames are still associated with it '
                '(Cloudflare deletes a certificate only once no association uses it)' % self.before['id'])
        if self.detached:
            text += ('; %s were detached first, so other hostnames must still use it: add them to detach_hostnames'
                     % ', '.join(self.detached))
        elif self.hostnames:
            text += '; none of detach_hostnames is associated with it: list the hostnames that are in detach_hostnames'
        else:
            text += '; list those hostnames in detach_hostnames to detach them before the delete'
        return text + ' (or remove them with mtls.cloudflare.hostname_association state=absent). ' + error.message

    def _wait_deleted(self, certificate_id):
        def failure(raw):
            if raw is not None and shape_hostname_certificate(raw)['status'] == 'deletion_timed_out':
                return ('Cloudflare could not delete hostname certificate %s (status deletion_timed_out); run the task again to send '
                        'the DELETE again' % certificate_id)
            return None

        last = wait_for(self.client, lambda: get_hostname_certificate(self.client, certificate_id), is_gone, _describe,
                        'hostname certificate %s to be deleted' % certificate_id, self.params['wait_timeout'], failure)
        self.after = shape_hostname_certificate(last) if last is not None else dict(self.after, status='deleted')


def _describe(raw):
    return shape_hostname_certificate(raw)['status'] if raw is not None else 'deleted (404)'
