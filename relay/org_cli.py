"""``assist-relay org ...``: the organisation key ceremony and agent certificates.

See docs/admin.md, "Verified identity", for the ceremony these commands carry out.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from common import identity
from relay.org import (
    Issuer,
    agent_cards,
    card_state,
    list_age,
    load_key,
    read_passphrase,
    refresh_list,
    registered,
    upload,
    write_key,
)
from relay.store import AgentRecord, Store, StoreError

__all__ = ["org_command", "org_parser"]


def org_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    org = sub.add_parser("org", help="the organisation key and agents' certificates")
    cmds = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    keyed = argparse.ArgumentParser(add_help=False)
    keyed.add_argument("--key", type=Path, required=True, help="the organisation key file")
    keyed.add_argument("--passphrase-file", type=Path, help="a file holding its passphrase")

    init = cmds.add_parser(
        "init", parents=[common, keyed], help="make an organisation key; prints its fingerprint"
    )
    init.add_argument("--org", required=True, help="the organisation's name, as customers see it")
    cmds.add_parser(
        "show", parents=[common, keyed], help="print a key's organisation and fingerprint"
    )
    reg = cmds.add_parser(
        "register", parents=[common, keyed], help="make this relay's agents need its certificates"
    )
    reg.add_argument(
        "--optional",
        action="store_true",
        help="let agents without a valid certificate sign in (customers see them unverified)",
    )
    issue = cmds.add_parser("issue", parents=[common, keyed], help="sign an agent's certificate")
    issue.add_argument("--agent", required=True, help="the agent's name")
    issue.add_argument("--team", default=None, help="the agent's team (kept for next time)")
    issue.add_argument("--days", type=int, default=identity.DEFAULT_CERT_DAYS)
    issue.add_argument(
        "--out", type=Path, help="write the certificate here (signing off the relay)"
    )
    issue.add_argument("--agent-key", help="off the relay: the agent's public key (base64)")
    issue.add_argument("--display-name", help="off the relay: the name customers see")
    revoke = cmds.add_parser("revoke", parents=[common], help="withdraw certificates at once")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--serial", type=int)
    which.add_argument("--agent")
    revoke.add_argument("--key", type=Path, help="sign the new revocation list with this key now")
    revoke.add_argument("--passphrase-file", type=Path)
    crl = cmds.add_parser("crl", parents=[common, keyed], help="sign a fresh revocation list")
    crl.add_argument("--days", type=int, default=identity.DEFAULT_LIST_DAYS)
    crl.add_argument("--out", type=Path, help="write it here (signing off the relay)")
    crl.add_argument("--revoked", default="", help="off the relay: serials, comma-separated")
    up = cmds.add_parser(
        "upload", parents=[common], help="bring a certificate or list to the relay"
    )
    up.add_argument("file", type=Path)
    status = cmds.add_parser("status", parents=[common], help="the organisation and every card")
    status.add_argument("--json", action="store_true")


def org_command(store: Store | None, args: argparse.Namespace) -> int:
    action = args.org_command
    now = time.time()
    if action == "init":
        key = write_key(args.key, args.org, read_passphrase(args.passphrase_file))
        fp = identity.fingerprint(identity.public_bytes(key))
        print(
            f"Made the organisation key of {args.org} in {args.key} (public half: {args.key}.pub)."
        )
        print("Keep it private and backed up. Its fingerprint, for customers to compare:")
        print(f"  {fp}")
        print(f"Next, on the relay: assist-relay org register --key {args.key}.pub")
        return 0
    if action == "show":
        k = load_key(args.key, read_passphrase(args.passphrase_file))
        print(f"organisation: {k.org}\nfingerprint:  {k.fingerprint}")
        return 0
    assert store is not None
    if action == "register":
        k = load_key(args.key, read_passphrase(args.passphrase_file))
        if not k.org:
            raise StoreError(f"{args.key} does not name its organisation; use a file from org init")
        store.register_organisation(k.org, k.public_key, require=not args.optional)
        need = "may sign in without one" if args.optional else "need one to sign in"
        print(f"Registered {k.org} ({k.fingerprint}). Agents {need}.")
        print("Issue each agent's certificate after their first sign-in: org issue --agent NAME")
        return 0
    if action == "issue":
        return _issue(store, args, now)
    if action == "revoke":
        serials = store.revoke(serial=args.serial, agent=args.agent)
        if not serials:
            raise StoreError("no such certificate that is still valid")
        print(f"Withdrew {len(serials)} certificate(s): {', '.join(map(str, serials))}.")
        print("Agents holding them can no longer sign in here.")
        if args.key is not None:
            issuer = Issuer(load_key(args.key, read_passphrase(args.passphrase_file)))
            issuer.revocations(store, now)
            print("Signed a new revocation list; customers refuse these cards from now on.")
        else:
            print("Sign a new revocation list so customers refuse them too: org crl --key FILE")
        return 0
    if action == "crl":
        k = load_key(args.key, read_passphrase(args.passphrase_file))
        issuer = Issuer(k, list_days=args.days)
        if args.out is not None:
            serials = [int(x) for x in args.revoked.split(",") if x.strip()]
            raw = identity.revocation_list(k.signer(), serials, now=now, days=args.days)
            args.out.write_bytes(raw)
            print(f"Wrote a revocation list of {len(serials)} serial(s) to {args.out}.")
            return 0
        registered(store, k.public_key)
        issuer.revocations(store, now)
        print(
            f"Signed a revocation list of {len(store.revoked_serials())} serial(s), "
            f"valid {args.days} days."
        )
        return 0
    if action == "upload":
        try:
            raw = args.file.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read {args.file}: {exc.strerror}") from None
        print(f"Uploaded the {upload(store, raw)}.")
        return 0
    return _status(store, args.json, now)


def _issue(store: Store, args: argparse.Namespace, now: float) -> int:
    k = load_key(args.key, read_passphrase(args.passphrase_file))
    issuer = Issuer(k, days=args.days)
    if args.out is not None:  # signing off the relay: everything comes from the flags
        if not args.agent_key or not args.display_name:
            raise StoreError("off the relay, give --agent-key and --display-name too")
        try:
            agent_key = base64.b64decode(args.agent_key, validate=True)
        except binascii.Error:
            agent_key = b""
        if len(agent_key) != 32:
            raise StoreError("--agent-key is the agent's 32-byte public key in base64")
        agent = AgentRecord(args.agent, args.display_name, k.org, "", now)
        card = issuer.card(agent, args.team or "", agent_key, now)
        args.out.write_bytes(card.body)
        print(f"Wrote certificate {card.serial} for {args.agent} to {args.out}.")
        print(f"On the relay: assist-relay org upload {args.out}")
        return 0
    registered(store, k.public_key)
    agent = store.agent_record(args.agent)
    newest = store.newest_key(args.agent)
    if newest is None:
        raise StoreError(
            f"{args.agent} has not signed in from the agent app yet; the app makes its key "
            "at the first sign-in. Ask them to sign in once, then run this again."
        )
    team = args.team if args.team is not None else store.agent_team(args.agent)
    try:
        card = issuer.card(agent, team, newest, now)
    except ValueError as exc:
        raise StoreError(f"cannot issue: {exc}") from None
    store.add_certificate(card, team)
    if refresh_list(store, issuer, now):
        print("Signed a fresh revocation list too (customers need one to verify).")
    until = dt.datetime.fromtimestamp(card.not_after, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"Issued certificate {card.serial} to {args.agent} (team {team or '-'}), "
        f"valid until {until}."
    )
    print("Their app picks it up at the next sign-in.")
    return 0


def _status(store: Store, as_json: bool, now: float) -> int:
    org = store.organisation()
    rows: list[dict[str, Any]] = []
    for a, card, signed_in in agent_cards(store):
        rows.append(
            {
                "agent": a.name,
                "team": store.agent_team(a.name),
                "card": card_state(card, now),
                "serial": card.serial if card else None,
                "valid_until": card.not_after if card else None,
                "signed_in_with_key": signed_in,
            }
        )
    age_s = list_age(org.revocations, org.public_key, now) if org is not None else None
    age_days = None if age_s is None else round(age_s / 86400, 1)
    info = {
        "organisation": org.name if org else None,
        "fingerprint": identity.fingerprint(org.public_key) if org else None,
        "certificates_required": org.require_certificates if org else False,
        "revocation_list_age_days": age_days,
        "agents": rows,
    }
    if as_json:
        print(json.dumps(info, indent=2))
        return 0
    if org is None:
        print("No organisation registered: customers see agents as not verified.")
    else:
        need = "required" if org.require_certificates else "optional"
        age = "none yet" if age_days is None else f"{age_days} days old"
        print(
            f"{org.name}  {identity.fingerprint(org.public_key)}  (certificates {need}; "
            f"revocation list {age})"
        )
    for r in rows:
        until = (
            dt.datetime.fromtimestamp(r["valid_until"], dt.UTC).strftime("%Y-%m-%d")
            if r["valid_until"]
            else "-"
        )
        print(f"  {r['agent']:20} {r['team'] or '-':12} {r['card']:9} {until}")
    sys.stdout.flush()
    return 0
