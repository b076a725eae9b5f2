"""Reads the roster (provider and staff ids and names) of a stored practice configuration."""

from __future__ import annotations

import yaml

from triageline.services.portal_push import RosterEntry


class YamlRosterReader:
    """Providers then staff of a configuration text (stored versions were validated on save)."""

    def roster(self, yaml_text: str) -> tuple[RosterEntry, ...]:
        """Every person with an id, in file order; empty when the text is not a mapping."""
        try:
            data = yaml.safe_load(yaml_text)
        except yaml.YAMLError:
            return ()
        if not isinstance(data, dict):
            return ()
        found: list[RosterEntry] = []
        for section in ("providers", "staff"):
            people = data.get(section)
            if not isinstance(people, list):
                continue
            for person in people:
                if isinstance(person, dict) and isinstance(person.get("id"), str):
                    name = person.get("name")
                    found.append(
                        RosterEntry(person["id"], name if isinstance(name, str) else person["id"])
                    )
        return tuple(found)
