# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # The options of plugins/module_utils/_api.py:cloudflare_argument_spec(); a unit test keeps them in sync.
    DOCUMENTATION = r'''
options:
  api_token:
    description:
      - "A Cloudflare API token, sent as C(Authorization: Bearer)."
      - Changes need the permission C(SSL and Certificates Write); reads need C(SSL and Certificates Read).
      - When neither O(api_token) nor O(api_email)/O(api_key) is set, the environment variable E(CLOUDFLARE_API_TOKEN)
        is used, then E(CLOUDFLARE_TOKEN) (the name M(community.general.cloudflare_dns) uses).
      - Mutually exclusive with O(api_email) and O(api_key).
    type: str
  api_email:
    description:
      - The account e-mail address for the legacy global API key scheme, used with O(api_key).
      - When no credential option is set, the environment variables E(CLOUDFLARE_EMAIL) and E(CLOUDFLARE_API_KEY) are used together.
    type: str
  api_key:
    description:
      - The legacy global API key, sent as C(X-Auth-Key) with O(api_email). Prefer O(api_token).
      - Environment variable E(CLOUDFLARE_API_KEY) when no credential option is set.
    type: str
  api_base_url:
    description:
      - The base URL of the Cloudflare API.
      - Plain C(http://) is refused unless the host is a literal loopback address (C(127.0.0.0/8), C(::1)) or C(localhost)
        itself, so credentials never travel unencrypted. The URL must not carry credentials, a query or spaces.
      - Environment variable E(CLOUDFLARE_API_BASE_URL).
    type: str
    default: https://api.cloudflare.com/client/v4
  validate_certs:
    description:
      - Verify the TLS certificate of the API. Only set to V(false) against a test server you trust; the module warns when it is.
      - Applies to every request, whatever E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) say.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify the API's TLS certificate with, for example behind an inspecting proxy.
      - The file must exist; this is checked before any request.
    type: path
  api_timeout:
    description:
      - Seconds to wait for each HTTP response; more than V(0), at most V(3600).
    type: float
    default: 30
  api_retries:
    description:
      - How many times a request is retried after HTTP 429, 500, 502, 503, 504, a timeout, a dropped connection or an
        answer that is not a usable Cloudflare envelope.
      - A write (issue, upload, revoke, reactivate, delete, associate) is never repeated blindly. When its answer is lost or
        odd, the module reads what Cloudflare holds; a change that is there is reported as made, with a warning. Otherwise a
        write that cannot take effect twice is sent again; issuing a client certificate is only sent again after HTTP 429,
        and when Cloudflare may still carry out an earlier attempt the task fails saying that the outcome is unknown.
      - Each retry is shown as a warning.
      - From V(0) to V(100).
    type: int
    default: 5
  api_max_wait:
    description:
      - The total number of seconds the module may spend waiting between retries and pacing requests.
      - A C(Retry-After) header is honoured when it fits in what is left of this budget. The default covers the five
        minutes for which Cloudflare blocks a credential that went over its rate limit.
      - Every hold of the rate budget that the module runs of this controller share counts too (pacing to the quota, a
        rate-limit window spent, a C(Retry-After)); a hold that cannot fit in what is left fails at once, naming the seconds
        Cloudflare asked for.
      - From V(0) to V(86400) (a day).
    type: float
    default: 360
  zone_id:
    description:
      - The id of the zone that holds the certificates.
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
  zone:
    description:
      - The name of the zone, for example C(example.com); resolved to its id with one request, for which an API token needs
        the C(Zone Read) permission besides the SSL and Certificates one.
      - Exactly one of O(zone_id) and O(zone) is required.
    type: str
requirements:
  - requests >= 2.25.0 (on the host that runs the module)
notes:
  - "Permissions of an API token, per module: M(mtls.cloudflare.client_certificate_info) and
    M(mtls.cloudflare.hostname_certificate_info) need C(SSL and Certificates Read) on the zone;
    M(mtls.cloudflare.client_certificate), M(mtls.cloudflare.client_certificates),
    M(mtls.cloudflare.hostname_certificate) and M(mtls.cloudflare.hostname_association) need
    C(SSL and Certificates Write); M(mtls.cloudflare.mtls_enforcement_info) needs C(Zone WAF Read) and
    C(SSL and Certificates Read), M(mtls.cloudflare.mtls_enforcement_rule) C(Zone WAF Write) (and C(SSL and Certificates
    Read) when it reads the mTLS hostnames). With O(zone) instead of O(zone_id), every module also needs
    C(Zone Read): without it Cloudflare lists no zone, and the module reports the zone as not found."
  - "The modules talk to the Cloudflare API from the host that runs them; run them on the controller, for example with
    C(delegate_to: localhost) or in a play on C(localhost)."
  - Give credentials as options (from a vault or a lookup) or in the environment of the C(ansible-playbook) process
    (for example an AWX credential). Do not pass them with the task keyword C(environment), which ansible-core prints
    at verbosity 3 and above.
  - All modules of this collection are in the action group C(mtls.cloudflare.all), so credentials can be given once with
    C(module_defaults).
'''

    # The attributes of a module that only reads (the *_info modules).
    INFO_MODULE = r'''
attributes:
  check_mode:
    description: The module only reads, so it runs the same way in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so it has no diff.
    support: N/A
'''

    ACTIONGROUP = r'''
attributes:
  action_group:
    description: Use C(group/mtls.cloudflare.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - mtls.cloudflare.all
'''
