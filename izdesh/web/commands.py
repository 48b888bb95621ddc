"""`izdesh user add NAME --role researcher --auth FILE`: researcher accounts of a public site.
The password is read from a prompt (twice) or from standard input, never from the command line
(argv is visible to every user of the machine and lands in shell history)."""

from __future__ import annotations

import sys

import click

from izdesh.web.auth import ROLES, AuthError, AuthStore, auth_path


@click.group()
def user() -> None:
    """Researcher accounts of the web site (kept in the --auth file, not in the store)."""


def _store(auth: str | None) -> AuthStore:
    path = auth_path(auth)
    if path is None:
        raise click.UsageError("give --auth FILE or set IZDESH_AUTH")
    return AuthStore(path)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="researcher", show_default=True)
@click.option("--auth", "auth", envvar="IZDESH_AUTH", help="The accounts file (SQLite); IZDESH_AUTH.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def add(name: str, role: str, auth: str | None, password_stdin: bool) -> None:
    """Add a user, or set a new password and role for an existing one (ends their sessions)."""
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        _store(auth).add_user(name, password, role)
    except AuthError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name.strip().lower()}: {role}", err=True)


@user.command("list")
@click.option("--auth", "auth", envvar="IZDESH_AUTH")
def list_users(auth: str | None) -> None:
    """Names and roles."""
    for name, role in _store(auth).users():
        click.echo(f"{name}\t{role}")
