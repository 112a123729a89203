"""What the council keeps, and how it forgets: retention, erasure and subject access.

- **Retention.** A closed request keeps the resident's details for its service's
  ``retention_days``; then ``retention_run`` removes them (``case_anonymise``) and keeps
  what statistics need: service, status, dates, ward, street, choice answers and
  coordinates rounded to about 100 metres. A legal hold stops it. ``dry_run`` reports
  what would go without changing anything. Audit entries older than the council's
  ``audit_retention_days`` go too.
- **Erasure.** ``person_erase`` forgets one person: their requests are anonymised, or
  restricted with the reason where the law requires them kept (the service's
  ``keep_reason``, council tax say); their follows, changes of details, account, person
  record and messages are deleted; a confirmation is sent. Deleting an account goes
  through the same function.
- **Subject access.** ``subject_access_export`` gathers everything held about a person
  as one JSON document, with other people's details in it redacted.

Every other store registered with ``core.privacy`` is told by the same run.

One module per part (``retention``, ``people``, ``subject_access``, ``erasure``), all
importable from here.
"""

from onecouncil.cases.privacy.erasure import (
    ERASED,
    ErasureReport,
    person_erase,
)
from onecouncil.cases.privacy.people import (
    PersonQuery,
    PersonSummary,
    person_keys,
    person_summary,
)
from onecouncil.cases.privacy.retention import (
    STATISTICAL_EVENT_DATA,
    STREET_PRECISION,
    TEXT_KINDS,
    RetentionReport,
    case_anonymise,
    legal_hold_set,
    retention_due,
    retention_job,
    retention_run,
)
from onecouncil.cases.privacy.subject_access import (
    OWN_SECTIONS,
    REDACTED,
    subject_access_document,
    subject_access_export,
    subject_access_stores,
)

__all__ = [
    "ERASED",
    "OWN_SECTIONS",
    "REDACTED",
    "STATISTICAL_EVENT_DATA",
    "STREET_PRECISION",
    "TEXT_KINDS",
    "ErasureReport",
    "PersonQuery",
    "PersonSummary",
    "RetentionReport",
    "case_anonymise",
    "legal_hold_set",
    "person_erase",
    "person_keys",
    "person_summary",
    "retention_due",
    "retention_job",
    "retention_run",
    "subject_access_document",
    "subject_access_export",
    "subject_access_stores",
]
