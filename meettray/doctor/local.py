"""Doctor's checks of what is on this computer: the organisation's policy, who can read
meettray's files, whether ``meettray://`` links reach this meettray, and damaged
history rows."""

from __future__ import annotations

from typing import Any

from meettray.doctor.report import OK, WARN, Report, fix_for
from meettray.errors import MeettrayError
from meettray.i18n import N_, _


def policy_check(report: Report, policy: Any) -> None:
    """Each place an organisation's settings were read from, and each value it sets."""
    for source in policy.sources if policy else ():
        if source.problem:
            report.add("Policy", WARN,
                       _("{source} is ignored: {problem}").format(source=source.name,
                                                                  problem=source.problem),
                       _("Ask your IT department to correct it."))  # fmt: skip
            continue
        verb = {
            "enforced": N_("enforces [{section}] {key} = {value}"),
            "recommended": N_("recommends [{section}] {key} = {value}"),
        }
        said = [_(verb[level]).format(section=section, key=key, value=repr(value))
                for level, section, key, value in source.values]  # fmt: skip
        report.add("Policy", OK, f"{source.name}: " + ("; ".join(said) or _("sets nothing")))


def links_check(report: Report, *, demo: bool) -> None:
    """Whether the desktop gives ``meettray://`` links to this meettray (the demo's, with
    ``--demo``: ``meettray --demo integrate`` sends links to the demo)."""
    from meettray.platform.url_scheme import link_command, system_scheme

    status = system_scheme().status(link_command(demo=demo))
    report.add("meettray:// links", OK if status.ours else WARN, status.detail,
               "" if status.ours else _("Run: meettray integrate"))  # fmt: skip


def history_check(report: Report, *, demo: bool) -> None:
    """Rows meettray cannot read are left out where they are read; say how many."""
    from meettray.service import history_damage

    try:
        damaged = history_damage(demo=demo)
    except MeettrayError as exc:
        report.add("History", WARN, exc.message, fix_for(exc))
        return
    if not damaged:
        report.add("History", OK, _("every row can be read"))
        return
    where = ", ".join(
        _("{count} in {table}").format(count=count, table=table)
        for table, count in sorted(damaged.items())
    )
    report.add(
        "History",
        WARN,
        _("{count} damaged rows are left out ({where}); the rest works").format(
            count=sum(damaged.values()), where=where
        ),
        _("Nothing to do for meettray to work; a row edited by hand can be corrected or "
          "deleted with an SQLite tool."),
    )  # fmt: skip


def files_check(report: Report) -> None:
    """Looked at, not assumed: whether anyone else can read what meettray keeps."""
    from meettray import paths

    exposed = paths.exposed_files()
    if not exposed:
        report.add("Files", OK, _("history, tokens, settings and logs are readable only by you"))
        return
    shown = ", ".join(str(path) for path in exposed[:3]) + (" …" if len(exposed) > 3 else "")
    report.add(
        "Files",
        WARN,
        _("{count} of meettray's files or folders can be read by others: {paths}").format(
            count=len(exposed), paths=shown
        ),
        _("meettray makes them private when it starts; or run: chmod -R go-rwx on them"),
    )
