"""Extension points of the personal cabinet.

``members`` owns the cabinet's shell but must not import the apps above it,
so it declares what they may add and they register from their
``AppConfig.ready()``::

    from members.cabinet.registry import cabinet

    cabinet.add_nav("history", _("History"), "cabinet:history", order=20)
    cabinet.add_panel("balance", balance_panel, order=10)
    cabinet.add_rules_section("earning", earning_section, order=10)
    cabinet.add_export("points", export_points)
    cabinet.add_erasure("points", erase_points)
    cabinet.set_settings_provider(cabinet_settings)

* a **panel** of the dashboard and a **section** of the program-rules page is
  a function ``(request, member) -> Block | None`` (``member`` is None on the
  public rules page); a Block names a template and its context;
* an **export** contributor is ``member -> JSON-able`` and becomes one key of
  the "my data" download;
* an **erasure** handler is ``(member, now) -> None`` and runs in the
  transaction that anonymises the member;
* the **settings provider** returns the program's ``CabinetSettings``
  (name, logo, colours, time zone, currency).

Names are unique; registering the same name twice with the same function
changes nothing (``ready()`` may run twice), anything else is an error.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class NavEntry:
    name: str
    label: str
    url_name: str
    order: int


@dataclass(frozen=True)
class Block:
    """A piece of a page: a template and what it shows."""

    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CabinetSettings:
    """What the cabinet's shell needs of the program."""

    name: str = "Loyalty program"
    logo_url: str = ""
    brand_colour: str = "#1f4e8c"
    accent_colour: str = "#b3541e"
    time_zone: str = "UTC"
    currency: str = ""


@dataclass(frozen=True)
class _Registered:
    name: str
    function: object
    order: int


def _same(first, second):
    if first == second:
        return True
    return getattr(first, "__module__", None) == getattr(second, "__module__", None) and getattr(
        first, "__qualname__", None
    ) == getattr(second, "__qualname__", None)


class CabinetRegistry:
    def __init__(self):
        self._nav = {}
        self._panels = {}
        self._rules = {}
        self._exports = {}
        self._erasures = {}
        self._settings_provider = None

    def _add(self, table, kind, name, item, compare):
        existing = table.get(name)
        if existing is not None and not compare(existing, item):
            raise ImproperlyConfigured(f"The cabinet already has a {kind} named {name!r}.")
        table[name] = item

    def add_nav(self, name, label, url_name, *, order):
        entry = NavEntry(name, label, url_name, order)
        self._add(
            self._nav, "navigation entry", name, entry, lambda a, b: (a.url_name, a.order) == (b.url_name, b.order)
        )

    def add_panel(self, name, function, *, order):
        self._add(self._panels, "dashboard panel", name, _Registered(name, function, order), self._same_registered)

    def add_rules_section(self, name, function, *, order):
        self._add(self._rules, "rules section", name, _Registered(name, function, order), self._same_registered)

    def add_export(self, name, function):
        self._add(self._exports, "data export", name, _Registered(name, function, 0), self._same_registered)

    def add_erasure(self, name, function):
        self._add(self._erasures, "erasure handler", name, _Registered(name, function, 0), self._same_registered)

    def set_settings_provider(self, function):
        if self._settings_provider is not None and not _same(self._settings_provider, function):
            raise ImproperlyConfigured("The cabinet already has a settings provider.")
        self._settings_provider = function

    @staticmethod
    def _same_registered(first, second):
        return first.order == second.order and _same(first.function, second.function)

    # Reading

    def nav(self):
        return sorted(self._nav.values(), key=lambda entry: (entry.order, entry.name))

    def _blocks(self, table, request, member):
        blocks = []
        for item in sorted(table.values(), key=lambda item: (item.order, item.name)):
            block = item.function(request, member)
            if block is not None:
                blocks.append(block)
        return blocks

    def panels(self, request, member):
        return self._blocks(self._panels, request, member)

    def rules_sections(self, request, member):
        return self._blocks(self._rules, request, member)

    def exports(self, member):
        return {name: item.function(member) for name, item in sorted(self._exports.items())}

    def erase(self, member, now):
        for _name, item in sorted(self._erasures.items()):
            item.function(member, now)

    def settings(self):
        if self._settings_provider is None:
            return CabinetSettings()
        return self._settings_provider()


cabinet = CabinetRegistry()
