"""The ``incident-bot`` command line.

``serve`` runs the bot; ``demo`` plays a scenario end to end offline; ``eval`` replays scenarios
and judges the conclusions; ``db`` applies migrations; ``audit`` verifies, shows, exports
(JSON Lines) and digests the tamper-evident trail, and makes its key; ``postmortem`` prints an
incident's postmortem draft (Markdown); ``report`` prints the outcome figures (MTTD, MTTA, MTTR,
autonomy, escalation, remediation success and noise) per service and severity; ``quarantine``
lists what the pipeline set aside after repeated failures and puts it back; ``emulator`` runs
the local Slack emulator alone. Exit
status: 0 success, 1 a check failed (audit, a failing scenario), 2 bad configuration, arguments,
scenario file or an unknown incident.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.audit import service as audit
from bot.audit.export import json_line, parse_since
from bot.audit.flows import take_digest, verify_trail
from bot.audit.keys import new_key_pair
from bot.audit.messages import audit_digest_line, audit_keygen_text, audit_verified_lines
from bot.audit.runtime import audit_keys, configure_audit
from bot.catalog import Catalog
from bot.clock import SystemClock
from bot.db import database, downgrade_database, upgrade_database
from bot.errors import AuditTrailError, ConfigError
from bot.evaluation.replay import ScenarioRun
from bot.messages import audit_line
from bot.postmortem.ports import PeopleDirectory
from bot.settings import Settings, load_settings
from bot.telemetry.logs import configure_logging

__all__ = ["main"]

INCIDENT_NUMBER = re.compile(r"^(?:inc-|#)?(\d+)$", re.IGNORECASE)


def _since(text: str) -> datetime:
    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _incident(text: str) -> int:
    match = INCIDENT_NUMBER.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"not an incident: {text!r} (write INC-12 or 12)")
    return int(match.group(1))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="incident-bot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("serve", help="run the bot (Slack, webhooks, pipeline)")

    demo = commands.add_parser("demo", help="play a scenario end to end, offline")
    demo.add_argument("scenario", nargs="?", type=Path, help="scenario file (default: shipped)")
    demo.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    demo.add_argument(
        "--keep",
        action="store_true",
        help="leave the sandbox (and its console) running after the story, until Ctrl-C",
    )

    evaluate = commands.add_parser(
        "eval", help="replay scenarios through the pipeline and judge their conclusions"
    )
    evaluate.add_argument(
        "paths", nargs="*", type=Path, help="scenario files or folders (default: shipped)"
    )
    evaluate.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the full per-scenario result as JSON to FILE (stdout when no FILE)",
    )

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="apply migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_commands.add_parser("downgrade", help="undo migrations")
    downgrade.add_argument("revision", help="target revision, e.g. base")

    audit_parser = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit_parser.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="check rows, chains, signatures and digests; exit 1 naming what is wrong"
    )
    verify.add_argument(
        "--digests", type=Path, help="the digest folder (default: AUDIT_DIGEST_DIR)"
    )
    audit_commands.add_parser(
        "digest", help="write a signed digest of every chain now (needs AUDIT_SIGNING_KEY)"
    )
    audit_commands.add_parser("keygen", help="print a new Ed25519 key pair for the audit trail")
    show = audit_commands.add_parser("show", help="print the trail")
    show.add_argument("--incident", type=int, help="only this incident's rows")
    export = audit_commands.add_parser("export", help="print the trail as JSON Lines")
    export.add_argument(
        "--since",
        type=_since,
        help="only rows at or after this ISO 8601 date or time (UTC unless it says otherwise)",
    )
    export.add_argument("--incident", type=int, help="only this incident's rows")

    postmortem = commands.add_parser(
        "postmortem", help="print an incident's postmortem draft (Markdown) to stdout"
    )
    postmortem.add_argument("incident", type=_incident, help="INC-12 or 12")

    report = commands.add_parser(
        "report", help="MTTD, MTTA, MTTR, autonomy, escalation, remediation and noise figures"
    )
    report.add_argument("--since", type=_since, help="incidents first seen at or after (UTC)")
    report.add_argument("--json", action="store_true", help="JSON instead of a table")

    emulator = commands.add_parser("emulator", help="run the local Slack emulator alone")
    emulator.add_argument("--port", type=int, help="default: SLACK_EMULATOR_PORT")
    _quarantine_parser(commands)
    return parser


def _quarantine_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    quarantine = commands.add_parser(
        "quarantine", help="signals and incidents set aside after repeated failures"
    )
    verbs = quarantine.add_subparsers(dest="quarantine_command", required=True)
    verbs.add_parser("list", help="print each quarantined signal and incident, with its error")
    retry = verbs.add_parser("retry", help="put them back in the pipeline (a fresh count)")
    retry.add_argument("subject", choices=["signal", "incident", "all"])
    retry.add_argument("id", nargs="?", type=_incident, help="its number; all of them if none")


async def _quarantine(settings: Settings, command: str, subject: str, row_id: int | None) -> int:
    """``quarantine list`` and ``quarantine retry``; the running bot takes what is put back on
    its next pass. Exit 2 when the one named is not quarantined."""
    from bot import quarantine

    async with database(settings.database_url) as db:
        if command == "list":
            async with db.sessions() as session:
                found = await quarantine.quarantined(session)
            for item in found:
                print(quarantine.describe(item))
            print(f"{len(found)} quarantined")
            return 0
        subjects = list(quarantine.Subject) if subject == "all" else [quarantine.Subject(subject)]
        released: list[str] = []
        async with db.sessions() as session, session.begin():
            for each in subjects:
                ids = await quarantine.release(
                    session, each, row_id, actor=f"cli:{getpass.getuser()}", clock=SystemClock()
                )
                released.extend(f"{each} {found}" for found in ids)
    if row_id is not None and not released:
        print(f"incident-bot: {subject} {row_id} is not quarantined", file=sys.stderr)
        return 2
    print(f"put back: {', '.join(released) or 'nothing'}")
    return 0


async def _db(settings: Settings, command: str, revision: str) -> int:
    async with database(settings.database_url) as db:
        if command == "upgrade":
            await upgrade_database(db.engine, revision)
        else:
            await downgrade_database(db.engine, revision)
    print(f"database {command}d to {revision}")
    return 0


async def _audit(
    settings: Settings, command: str, incident: int | None, since: datetime | None = None
) -> int:
    async with database(settings.database_url) as db, db.sessions() as session:
        rows = await audit.entries(session, incident_id=incident, since=since)
    render = json_line if command == "export" else audit_line
    for entry in rows:
        print(render(entry))
    return 0


async def _audit_verify(settings: Settings, digests: Path | None) -> int:
    """Exit 0 when the trail verifies, 1 naming the first thing that does not."""
    keys = audit_keys(settings)
    folder = digests or settings.audit_digest_dir
    try:
        async with database(settings.database_url) as db, db.sessions() as session:
            report = await verify_trail(session, verifier=keys.verifier, folder=folder)
    except AuditTrailError as exc:
        print(f"audit trail BROKEN: {exc}", file=sys.stderr)
        return 1
    for line in audit_verified_lines(report, folder):
        print(line)
    return 0


async def _audit_digest(settings: Settings) -> int:
    keys = audit_keys(settings)  # _run has made this process sign with it
    if keys.signer is None:
        raise ConfigError("incident-bot audit digest needs AUDIT_SIGNING_KEY (the private key)")
    try:
        async with database(settings.database_url) as db:
            digest = await take_digest(
                sessions=db.sessions,
                signer=keys.signer,
                folder=settings.audit_digest_dir,
                clock=SystemClock(),
            )
    except (AuditTrailError, OSError) as exc:
        print(f"incident-bot: no digest written: {exc}", file=sys.stderr)
        return 1
    print(audit_digest_line(digest, settings.audit_digest_dir))
    for problem in digest.problems:
        print(f"  not vouched for: {problem}", file=sys.stderr)
    return 1 if digest.problems else 0


def _audit_keygen() -> int:
    private, public = new_key_pair()
    print(audit_keygen_text(private, public))
    return 0


def _audit_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.audit_command == "verify":
        return asyncio.run(_audit_verify(settings, args.digests))
    if args.audit_command == "digest":
        return asyncio.run(_audit_digest(settings))
    incident, since = getattr(args, "incident", None), getattr(args, "since", None)
    return asyncio.run(_audit(settings, args.audit_command, incident, since))


def _catalog(settings: Settings) -> Catalog:
    """The catalog ``serve`` would use: replay scenarios' catalogs, then the operator's files."""
    from bot.runbook.loader import SHIPPED_RUNBOOKS, load_runbooks
    from bot.wiring.evidence import live_scenarios, replay_evidence, service_catalog

    library = load_runbooks((SHIPPED_RUNBOOKS, *settings.runbook_paths))
    _, replayed = replay_evidence(live_scenarios(settings, library.ids))
    return service_catalog(settings, replayed)


class _SandboxNames:
    """In sandbox mode the people are the emulator workspace's: named from its file when the
    emulator (whose ``users.info`` is asked first) has stopped, as after ``incident-bot demo``."""

    def __init__(self, first: PeopleDirectory | None) -> None:
        from integrations.slack_emulator import load_workspace

        self._first = first
        self._names = {user.id: user.name for user in load_workspace().users}

    async def display_name(self, user_id: str) -> str | None:
        found = await self._first.display_name(user_id) if self._first is not None else None
        return found or self._names.get(user_id)


async def _postmortem(settings: Settings, incident_id: int) -> int:
    """Slack's history, when it can be read (tokens, or a running sandbox), leaves its notes in
    the draft; a Slack that does not answer is a note, not a failure."""
    from bot.postmortem.draft import write_postmortem
    from bot.postmortem.flows import gather_facts
    from bot.wiring.narrator import narrator_from
    from bot.wiring.slack import slack_reader

    catalog = _catalog(settings)
    clock = SystemClock()
    slack = slack_reader(settings)
    directory = slack[1] if slack else None
    if settings.slack_bot_token is None:
        directory = _SandboxNames(directory)
    async with database(settings.database_url) as db:
        # With ANTHROPIC_API_KEY the summary and root cause are the narrator's grounded prose;
        # its calls are audited against the incident like the bot's own.
        narrator = narrator_from(settings, sessions=db.sessions, clock=clock)
        try:
            facts = await gather_facts(
                sessions=db.sessions,
                incident_id=incident_id,
                catalog=catalog,
                clock=clock,
                history=slack[0] if slack else None,
                directory=directory,
            )
            if facts is None:
                print(
                    f"incident-bot: no incident INC-{incident_id} in the database", file=sys.stderr
                )
                return 2
            draft = await write_postmortem(facts, narrator=narrator)
        finally:
            if narrator is not None:
                await narrator.close()
    sys.stdout.write(draft.markdown)
    return 0


async def _emulator(settings: Settings, port: int | None) -> int:
    from integrations.slack_emulator import EmulatorConfig, serve_forever

    await serve_forever(EmulatorConfig(port=port or settings.slack_emulator_port))
    return 0


def _eval(paths: list[Path], json_to: str | None) -> int:
    from bot.evaluation.replay import replay_files
    from bot.evaluation.report import report_json, report_lines
    from bot.runbook.loader import SHIPPED_RUNBOOKS, load_runbooks
    from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
    from bot.wiring.narrator import narrator_setup

    settings = load_settings()
    # The runbooks the bot would choose among live: the shipped ones and RUNBOOK_PATHS.
    runbooks = load_runbooks((SHIPPED_RUNBOOKS, *settings.runbook_paths))
    # With ANTHROPIC_API_KEY each packet is narrated too, and grounding failures are reported.
    narrator = narrator_setup(settings)

    async def replay() -> list[ScenarioRun]:
        try:
            return await replay_files(
                paths or [SHIPPED_SCENARIOS],
                evidence_for=lambda scenario: replay_evidence([scenario]),
                runbooks=runbooks,
                narrator=narrator,
            )
        finally:
            if narrator is not None:
                await narrator.model.close()

    runs = asyncio.run(replay())
    if json_to == "-":
        print(json.dumps(report_json(runs), indent=2))
    else:
        print("\n".join(report_lines(runs)))
        if json_to is not None:
            Path(json_to).write_text(json.dumps(report_json(runs), indent=2) + "\n")
    return 0 if all(run.passed for run in runs) else 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "eval":
        return _eval(args.paths, args.json)
    if args.command == "demo":
        from bot.demo import run_demo

        return asyncio.run(run_demo(args.scenario, database_url=args.database_url, keep=args.keep))
    if args.command == "audit" and args.audit_command == "keygen":
        return _audit_keygen()  # needs no settings: a bad key in the environment is why it runs
    settings = load_settings()
    configure_logging(level=settings.log_level, secrets=settings.secret_values())
    if args.command != "serve":  # serve's start-up does it
        configure_audit(settings)  # a bad AUDIT_SIGNING_KEY stops every command here
    if args.command == "serve":
        from bot.app import serve

        asyncio.run(serve(settings))
        return 0
    if args.command == "db":
        return asyncio.run(_db(settings, args.db_command, args.revision))
    if args.command == "audit":
        return _audit_command(settings, args)
    if args.command == "postmortem":
        return asyncio.run(_postmortem(settings, args.incident))
    if args.command == "report":
        from bot.outcomes.command import run_report

        return asyncio.run(
            run_report(settings, since=args.since, as_json=args.json, clock=SystemClock())
        )
    if args.command == "quarantine":
        subject, row_id = getattr(args, "subject", "all"), getattr(args, "id", None)
        return asyncio.run(_quarantine(settings, args.quarantine_command, subject, row_id))
    return asyncio.run(_emulator(settings, args.port))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
