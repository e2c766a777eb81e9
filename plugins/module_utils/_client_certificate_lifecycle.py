# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the mtls.cloudflare collection: no compatibility promise for other collections.

"""The desired-state logic of the client_certificate module: select, plan once, then apply and wait.

The plan alone decides ``changed``, the diff and (in check mode) the returned certificate;
a real run applies it and reports what really happened.
"""

from __future__ import annotations

from ansible_collections.mtls.cloudflare.plugins.module_utils._client_certificates import (
    SelectionError, client_certificates_path, csr_subject, find_client_certificate, read_client_certificate,
    shape_client_certificate,
)
from ansible_collections.mtls.cloudflare.plugins.module_utils._errors import CloudflareError
from ansible_collections.mtls.cloudflare.plugins.module_utils._wait import wait_for

WANTED_STATUS = {'present': 'active', 'revoked': 'revoked'}
# The statuses that show a write was applied, for a write whose answer was lost.
REVOKE_APPLIED = ('pending_revocation', 'revoked')
REACTIVATE_APPLIED = ('pending_reactivation', 'active')
# The statuses a certificate passes through on its way to the wanted one; any other status
# while waiting means someone else moved it the other way.
ON_THE_WAY = {'revoked': ('pending_revocation', 'revoked'), 'active': ('pending_reactivation', 'active')}
DIFF_FIELDS = ('id', 'common_name', 'serial_number', 'validity_days', 'expires_on', 'status')


class StateError(CloudflareError):
    """The certificate's status rules out what the task asks for; no request failed."""


class Plan(object):
    """What a run does to one certificate.

    ``action`` is None, ``issue``, ``revoke`` or ``reactivate``; ``current`` is the certificate
    as read (None before an issue); ``predicted`` is the shaped certificate a real run returns;
    ``settle_first`` asks to wait for a reactivation to settle before revoking.
    """

    def __init__(self, action, current, predicted, settle_first=False):
        self.action = action
        self.current = current
        self.predicted = predicted
        self.settle_first = settle_first

    @property
    def changes(self):
        return self.action is not None


def select_client_certificate(client, params, csr):
    """The certificate the task is about, or None when state=present should issue one from ``csr``."""
    zone = client.zone_id()
    if params['id'] is not None:
        current = read_client_certificate(client, params['id'])
        if current is None:
            raise SelectionError('no client certificate with id %s in zone %s; check the id and the zone' % (params['id'], zone))
        return current
    if csr is not None:
        # One CSR may have been issued several times; revoked certificates are history, not candidates.
        current, revoked = find_client_certificate(client, csr=csr, skip_revoked=True)
        if current is None and params['state'] == 'revoked':
            if not revoked:
                raise SelectionError('no client certificate was issued from this csr in zone %s, so there is nothing to revoke' % zone)
            return max(revoked, key=lambda item: item.get('issued_on') or '')
        return current
    current = find_client_certificate(client, serial_number=params['serial_number'], fingerprint_sha256=params['fingerprint_sha256'])[0]
    if current is None:
        option = 'serial_number' if params['serial_number'] is not None else 'fingerprint_sha256'
        raise SelectionError('no client certificate with %s %s in zone %s; check the value and the zone' % (option, params[option], zone))
    return current


def plan_client_certificate(params, current, csr):
    """Decide from the current status; a state the certificate cannot reach raises StateError."""
    state, wait = params['state'], params['wait']
    if current is None:
        return Plan('issue', None, predicted_issue(csr, params['validity_days']))
    status = current.get('status')
    certificate_id = current.get('id')
    if state == 'revoked':
        if status == 'active':
            return Plan('revoke', current, _predicted(current, 'revoked' if wait else 'pending_revocation'))
        if status == 'pending_reactivation':
            if not wait:
                raise StateError(
                    'client certificate %s is pending_reactivation: Cloudflare revokes it only once the reactivation has '
                    'settled and it is active again (in a few minutes). Run the task again later, or set wait: true to '
                    'wait for the reactivation and then revoke it' % certificate_id)
            return Plan('revoke', current, _predicted(current, 'revoked'), settle_first=True)
        if status in REVOKE_APPLIED:
            return Plan(None, current, _predicted(current, 'revoked' if wait else status))
    else:
        if status in REACTIVATE_APPLIED:
            return Plan(None, current, _predicted(current, 'active' if wait else status))
        if status == 'pending_revocation':
            return Plan('reactivate', current, _predicted(current, 'active' if wait else 'pending_reactivation'))
        if status == 'revoked':
            raise StateError('client certificate %s is revoked: the revocation has completed and cannot be undone; '
                             'issue a new certificate from a CSR (csr) instead' % certificate_id)
    raise StateError('client certificate %s has the status %r, which this module does not know; nothing was changed' % (certificate_id, status))


def predicted_issue(csr, validity_days):
    """The certificate an issue returns, as far as it is known before Cloudflare signs it (no id, serial or PEM yet)."""
    return shape_client_certificate(dict(csr_subject(csr), status='active', csr=csr, validity_days=validity_days))


def diff_view(certificate):
    """The fields a diff shows; unknown (None) ones left out."""
    certificate = certificate or {}
    return dict((field, certificate[field]) for field in DIFF_FIELDS if certificate.get(field) is not None)


def _predicted(current, status):
    predicted = shape_client_certificate(current)
    predicted['status'] = status
    return predicted


def _restated(error, message):
    """``error`` with another message, keeping the request details for ``api_error``."""
    return CloudflareError(message, method=error.method, path=error.path, status=error.status, errors=error.errors,
                           messages=error.messages, cf_ray=error.cf_ray, attempts=error.attempts, waited=error.waited,
                           ambiguous=error.ambiguous)


class ClientCertificateRun(object):
    """Applies a plan and waits; ``changed`` and ``certificate`` (the last one seen) stay right even when it fails."""

    def __init__(self, client, params, csr):
        self.client = client
        self.params = params
        self.csr = csr
        self.changed = False
        self.certificate = None

    def apply(self, plan):
        self.certificate = plan.current
        if plan.action == 'issue':
            self.certificate = self._issue()
        elif plan.action == 'reactivate':
            self.certificate = self._write('PATCH', plan.current, {'reactivate': True}, REACTIVATE_APPLIED)
        elif plan.action == 'revoke':
            current = plan.current
            if plan.settle_first:
                current = self._wait(current, None)
            # Someone else may have revoked it while its reactivation settled: then there is nothing to send.
            if current.get('status') == 'active':
                self.certificate = self._write('DELETE', current, None, REVOKE_APPLIED)
        if self.params['wait']:
            self.certificate = self._wait(self.certificate, WANTED_STATUS[self.params['state']])
        return self.certificate

    def _issue(self):
        path = client_certificates_path(self.client)
        try:
            page = self.client.request('POST', path, body={'csr': self.csr, 'validity_days': self.params['validity_days']})
        except CloudflareError as error:
            if not error.ambiguous:
                raise
            # A lost answer to a POST is never repeated blindly: look for what it may have issued.
            issued = self._read_again(error, lambda: find_client_certificate(self.client, csr=self.csr, skip_revoked=True)[0])
            if issued is None:
                raise _restated(error, '%s; no certificate issued from this csr was found afterwards, so none was issued: '
                                       'run the task again' % error.message)
            self.client.module.warn('Cloudflare API POST %s: the answer was lost, but certificate %s issued from this csr '
                                    'exists now; it is reported as the one issued' % (path, issued.get('id')))
            self.changed = True
            return issued
        self.changed = True
        if isinstance(page.result, dict):
            return page.result
        return find_client_certificate(self.client, csr=self.csr, skip_revoked=True)[0] or {'status': 'active'}

    def _write(self, method, current, body, applied):
        certificate_id = current['id']
        path = client_certificates_path(self.client, certificate_id)
        try:
            page = self.client.request(method, path, body=body)
        except CloudflareError as error:
            if not error.ambiguous:
                raise
            # The request may or may not have been applied: the certificate's status now says which.
            after = self._read_again(error, lambda: read_client_certificate(self.client, certificate_id))
            status = after.get('status') if after else 'gone'
            if status not in applied:
                if after:
                    self.certificate = after
                raise _restated(error, '%s; a new read shows certificate %s %s, so the change was not applied: run the task again'
                                % (error.message, certificate_id, status))
            self.client.module.warn('Cloudflare API %s %s: the answer was lost, but a new read shows status %s, so the change '
                                    'was applied' % (method, path, status))
            self.changed = True
            return after
        self.changed = True
        return page.result if isinstance(page.result, dict) else (read_client_certificate(self.client, certificate_id) or current)

    def _read_again(self, error, read):
        try:
            return read()
        except CloudflareError as again:
            raise _restated(error, '%s; reading again to learn whether it was applied failed too (%s): check the certificate '
                                   'before running the task again' % (error.message, again.message)) from None

    def _wait(self, certificate, wanted):
        """Poll until the certificate has status ``wanted``; with None, until it is no longer pending_reactivation."""
        certificate_id = certificate.get('id')

        def is_done(current):
            if current is None:
                return False
            return current.get('status') != 'pending_reactivation' if wanted is None else current.get('status') == wanted

        if is_done(certificate):
            return certificate

        def read():
            current = read_client_certificate(self.client, certificate_id)
            if current is not None:
                self.certificate = current
            return current

        def failure(current):
            if current is None:
                return 'client certificate %s disappeared while waiting for it' % certificate_id
            if wanted is not None and current.get('status') not in ON_THE_WAY[wanted]:
                return ('client certificate %s became %s while waiting for status %s: someone else changed it'
                        % (certificate_id, current.get('status'), wanted))
            return None

        text = 'the reactivation of client certificate %s to settle' % certificate_id if wanted is None else (
            'client certificate %s to become %s' % (certificate_id, wanted))
        return wait_for(self.client, read, is_done, lambda current: current.get('status') if current else 'gone',
                        text, self.params['wait_timeout'], failure=failure)
