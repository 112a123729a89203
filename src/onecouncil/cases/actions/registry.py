"""What adapters ask the writer to do with it, registered rather than imported (cases
never imports an adapter): the way ``notify.on_delivery`` and ``core.privacy`` work.

- ``on_case_created``: called inside the transaction that makes a request (not for bulk
  loads of earlier requests, which tell nobody), after its first events, so what a
  listener writes (``sendon``'s ``Sending``) commits or rolls back with the request.
- ``on_erasure_report``: what an erasure report says about requests sent elsewhere.

Listeners register in their app's ``ready()``; their contract is this docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from onecouncil.cases.models import Case
from onecouncil.core.models import Council

CaseCreatedListener = Callable[[Case], None]
# Each request sent elsewhere: our reference, the system's name, its references, and
# whether the system has been asked to erase it.
SentOn = tuple[str, str, str, bool]
SentOnDescriber = Callable[[Council, Sequence[str]], list[SentOn]]

_created: list[CaseCreatedListener] = []
_sent_on: list[SentOnDescriber] = []


def on_case_created(listener: CaseCreatedListener) -> CaseCreatedListener:
    if listener not in _created:
        _created.append(listener)
    return listener


def case_created_tell(case: Case) -> None:
    for listener in _created:
        listener(case)


def on_erasure_report(describer: SentOnDescriber) -> SentOnDescriber:
    if describer not in _sent_on:
        _sent_on.append(describer)
    return describer


def sent_on_for_erasure(council: Council, references: Sequence[str]) -> list[SentOn]:
    return [each for describe in _sent_on for each in describe(council, references)]
