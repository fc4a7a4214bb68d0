"""insats outbox send: hand the notices that are due to the municipality's SMTP relay (a cron job; ``insats
serve`` also does it in the background). No ``--as``: it sends only what a coordinator already released
under consent (``store.outbox``), as the system's outbox, and every send and failure is audited."""

from __future__ import annotations

import argparse

from ._io import InputError, open_store


def cmd_send(args: argparse.Namespace) -> None:
    import config
    from rules.mail import MailSettingProblem
    from services.outbox import send_due

    try:
        settings = config.mail_settings()
    except MailSettingProblem as exc:
        raise InputError(f"{exc}; nothing was sent") from None
    if settings.relay is None:
        raise InputError("INSATS_SMTP_URL is not set: nothing was sent, the notices wait in the queue")
    report = send_due(open_store(), settings, limit=args.limit)
    print(f"sent {report.sent}; to try again later {report.retrying}; failed for good {report.failed}"
          + (f" ({', '.join(sorted(set(report.codes)))})" if report.codes else ""))


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("outbox", help="notices to the network, sent through the SMTP relay").add_subparsers(
        dest="action", required=True)
    p = group.add_parser("send", help="send the notices that are due (INSATS_SMTP_URL, INSATS_MAIL_FROM)")
    p.add_argument("--limit", type=int, default=200, help="at most this many notices in one run")
    p.set_defaults(func=cmd_send)
