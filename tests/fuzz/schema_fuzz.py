"""Schemathesis over our own ``/openapi.json``: every operation, as B (owner, member, or B's token aimed at A's
organization) and as nobody, with A's real ids put into paths and bodies.

Checks per call: no 5xx (``not_a_server_error``), the body conforms to the response schema the operation
declares for that status (``response_schema_conformance``), and no response names anything of A (or,
unauthenticated, of either tenant) that the caller did not itself send.

Hypothesis draws the cases (one ``@given`` per operation and generation mode, with ``max_examples`` shared
out of a call budget) in a worker thread; each request goes through the test's own ``httpx.AsyncClient``
on the test's event loop, so the app and its database connections stay on one loop.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, HypothesisException, Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance
from tenants import Tenant, leaked

BASE_URL = 'http://testserver'
MAX_URL_LENGTH = 65536  # httpx refuses a longer URL before sending it
CALL_TIMEOUT = 60.0  # seconds for one request: a hung request fails the run instead of hanging it
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
MAX_PASSES = 20  # over every operation; a pass that makes no call ends the run early


@dataclass
class Identity:
    """Who sends a case: the headers to add (read when sending: tokens are renewed after a sign-out)."""

    name: str
    headers: Callable[[], dict[str, str]]
    authenticated: bool = True


@dataclass
class Finding:
    """One failed call: the check, the exact request and the response."""

    operation: str
    identity: str
    problem: str
    request: str
    status: int
    response: str

    def describe(self) -> str:
        """Markdown for /tmp/fuzz_findings.md and the failure message."""
        return (
            f'### {self.operation} as {self.identity}: {self.problem}\n'
            f'request: `{self.request}`\nresponse {self.status}: `{self.response[:600]}`\n'
        )


class Rejected(AssertionError):
    """A failed check, raised inside the Hypothesis test so that it shrinks the case."""


@dataclass
class FuzzReport:
    """What a run did: calls per operation, findings, time."""

    calls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a Hypothesis run that broke for another reason
    aimed: int = 0  # calls that carried one of the victim's ids (in the path, a header or the body)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Requests sent."""
        return sum(self.calls.values())


class SchemaFuzz:
    """Drives every operation of a loaded schema against the app behind ``client`` (see the module docstring)."""

    def __init__(
        self,
        schema: Any,
        client: httpx.AsyncClient,
        loop: asyncio.AbstractEventLoop,
        victim: Tenant,
        attacker: Tenant,
        renew: Callable[[], None],
        fuzz_seed: int,
    ) -> None:
        self.schema = schema
        self.client = client
        self.loop = loop
        self.victim = victim
        self.attacker = attacker
        self.renew = renew  # signs the attacker's people in again if a call ended their sessions
        self.seed = fuzz_seed  # Hypothesis seed of the first pass (the next passes add 1, 2, …): a run is replayable
        self.report = FuzzReport()
        self.known: dict[str, set[str]] = {}  # per identity: every value it has sent (lowercased)

    def operations(self) -> list[Any]:
        """Every operation of the schema."""
        return [result.ok() for result in self.schema.get_all_operations()]

    def run(self, identities: list[Identity], budget: int) -> FuzzReport:
        """Spend about ``budget`` calls over every operation and mode, in passes with new seeds until it is spent.

        Operations with little to vary (no parameters, no body) run out of distinct cases early and go first,
        so the calls they leave are shared out among the rest.
        """
        started = time.monotonic()
        plan = sorted(
            (
                (operation, mode)
                for operation in self.operations()
                for mode in MODES
                # /ws/*'s only parameters are a free path string and two headers: no negated value survives the wire
                if mode.is_positive or not operation.path.startswith('/ws/')
            ),
            key=lambda item: _inputs(item[0]),
        )
        spent_before = self.report.total
        for round_ in range(MAX_PASSES):
            spent_in_pass = self.report.total
            for index, (operation, mode) in enumerate(plan):
                remaining = budget - (self.report.total - spent_before)
                if remaining <= 0:
                    break
                share = max(1, remaining // (len(plan) - index))
                self._run_operation(operation, mode, identities, share, self.seed + round_)
            if self.report.total - spent_before >= budget or self.report.total == spent_in_pass:
                break
        self.report.seconds += time.monotonic() - started
        return self.report

    def _run_operation(self, operation: Any, mode: Any, identities: list[Identity], examples: int, seed_: int) -> None:
        label = f'{operation.label} [{mode.value}]'

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def one_case(case: Any, data: st.DataObject) -> None:
            who = data.draw(st.sampled_from(identities), label='identity')
            self._aim(case, data, who)
            self._call(label, case, who)

        try:
            seed(seed_)(one_case)()
        except (Rejected, Flaky):
            pass  # recorded in findings when first seen
        except Unsatisfiable:
            pass  # nothing to negate (no parameters, no body): the positive mode covers the operation
        except (HypothesisException, AssertionError, FailureGroup) as exc:
            self.report.errors.append(f'{label}: {exc!r}')

    def _aim(self, case: Any, data: st.DataObject, who: Identity) -> None:
        """Put real ids (A's and B's) into the case's path and body, so cross-organization calls are made."""
        victim, attacker = self.victim, self.attacker
        candidates = {
            'lead_id': victim.lead_ids + attacker.lead_ids,
            'user_id': victim.user_ids + attacker.user_ids,
            'assigned_user_id': victim.user_ids + attacker.user_ids,
            'invite_id': victim.invite_ids + attacker.invite_ids,
            'org_id': [victim.org_id, attacker.org_id],
            'organization_id': [victim.org_id, attacker.org_id],
            # an invite token is a capability: the attacker's own are fair game, the victim's are secrets
            'token': attacker.invite_tokens if who.authenticated else [],
        }
        for name in list(case.path_parameters or {}):
            choice = data.draw(st.sampled_from([None, *candidates.get(name, [])]), label=name)
            if choice is not None:
                case.path_parameters[name] = choice
        if isinstance(case.body, dict):
            for name in [key for key in case.body if key in candidates]:
                choice = data.draw(st.sampled_from([None, *candidates[name]]), label=name)
                if choice is not None:
                    case.body[name] = choice

    def _call(self, label: str, case: Any, who: Identity) -> None:
        try:
            prepared = self._prepare(case, who)
        except (ValueError, UnicodeError, requests.RequestException):
            return  # a case no HTTP client can send (e.g. a header outside latin-1): nothing reaches the app
        if len(prepared.url or '') > MAX_URL_LENGTH:
            return  # over httpx's limit (InvalidURL), as over every server's: nothing reaches the app either
        response = asyncio.run_coroutine_threadsafe(self._send(prepared), self.loop).result(timeout=CALL_TIMEOUT)
        self.report.calls[label] += 1
        self.report.statuses[response.status_code] += 1
        sent = self._remember_sent(who, prepared)
        if case.path.startswith('/auth/') and who.authenticated:
            self.renew()  # a sign-out, a password change or a refresh may have ended the session we fuzz with
        problems: list[str] = []
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except FailureGroup as group:
            problems += [failure.title for failure in group.exceptions]
        secrets = self.victim.secrets if who.authenticated else self.victim.secrets | self.attacker.secrets
        names = leaked(secrets, response.text, sent)
        if names:
            problems.append(f'names what it must not: {names}')
        if problems:
            finding = Finding(
                operation=label,
                identity=who.name,
                problem='; '.join(problems),
                request=f'{prepared.method} {prepared.url} headers={dict(prepared.headers)} '
                f'body={_text(prepared.body)}',
                status=response.status_code,
                response=response.text,
            )
            if not any(seen.operation == label and seen.problem == finding.problem for seen in self.report.findings):
                self.report.findings.append(finding)
            raise Rejected(finding.describe())

    async def _send(self, prepared: requests.PreparedRequest) -> httpx.Response:
        # each call stands alone: a cookie set by one identity's sign-in must not ride along with the next caller
        self.client.cookies.clear()
        headers = {
            name: value if isinstance(value, str) else value.decode('latin-1')
            for name, value in prepared.headers.items()
        }
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        assert body is None or isinstance(body, bytes), 'schemathesis streams no bodies for JSON operations'
        return await self.client.request(prepared.method or 'GET', prepared.url or '/', headers=headers, content=body)

    def _prepare(self, case: Any, who: Identity) -> requests.PreparedRequest:
        kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=who.headers())
        request = requests.Request(
            method=kwargs['method'],
            url=kwargs['url'],
            headers=kwargs.get('headers'),
            params=kwargs.get('params'),
            cookies=kwargs.get('cookies'),
            json=kwargs.get('json'),
            data=kwargs.get('data'),
            files=kwargs.get('files'),
        )
        prepared = request.prepare()
        for name, value in prepared.headers.items():  # what no HTTP client can put on the wire raises here
            name.encode('ascii')
            if isinstance(value, str):
                value.encode('latin-1')
        return prepared

    def _remember_sent(self, who: Identity, prepared: requests.PreparedRequest) -> set[str]:
        """Everything this identity has sent so far, lowercased: echoing it back names nothing new."""
        known = self.known.setdefault(who.name, set())
        headers = ' '.join(f'{name}: {value!s}' for name, value in prepared.headers.items())
        sent = ' '.join([prepared.url or '', headers, _text(prepared.body)]).lower()
        victims = {secret.lower() for secret in self.victim.secrets if secret.lower() in sent}
        if victims:
            self.report.aimed += 1
        known |= victims | {secret.lower() for secret in self.attacker.secrets if secret.lower() in sent}
        return known


def _inputs(operation: Any) -> int:
    """How much an operation's requests can vary: its parameters, plus one for a body."""
    definition = operation.definition.raw
    return len(definition.get('parameters', [])) + (1 if 'requestBody' in definition else 0)


def _text(body: Any) -> str:
    if body is None:
        return ''
    if isinstance(body, bytes):
        return body.decode('utf-8', 'replace')
    return str(body)
