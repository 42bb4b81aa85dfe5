"""What a contact provider raises when a search cannot be answered, and the HTTP client that raises it.

"No one found" is not an error: a search that worked and matched nobody returns ``[]``. A
:class:`ProviderError` means the provider could not be asked or did not answer usefully; its ``kind``
tells the run what to report:

================  ==============================================================================
kind              meaning
================  ==============================================================================
``config``        no API key in Settings (or nothing to search for); nothing was sent
``auth``          the key was refused (401/403)
``quota``         credits or a long-window quota are spent (Apollo 422/429, Seamless 422): the run
                  reports it and later leads will fail the same way until it is topped up
``rate_limited``  still 429 after every retry, or asked to wait longer than the policy allows
``timeout``       still timing out after every retry (or, Seamless, research never finished)
``unavailable``   5xx or dropped connections after every retry
``bad_response``  an answer that is not the documented JSON
================  ==============================================================================
"""

from __future__ import annotations

from ra_runtime.http import ExternalServiceError, ExternalServiceErrorKind, JsonApi

ProviderErrorKind = ExternalServiceErrorKind


class ProviderError(ExternalServiceError):
    """A contact search could not be answered; ``kind`` says why (see the module docstring)."""


class ProviderApi(JsonApi):
    """The runtime's JSON client (retries, ``Retry-After``), failing with :class:`ProviderError`."""

    error_type = ProviderError
