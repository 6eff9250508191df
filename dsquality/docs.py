"""The rules reference, generated from the rule docstrings (``docs/rules.md``)."""

from __future__ import annotations

from dsquality.lint.registry import RULES
from dsquality.lint.rule import Rule

__all__ = ["rule_markdown", "rules_reference"]

_FAMILIES = {
    "DSQ1": "Reproducibility",
    "DSQ2": "Structure and documentation",
    "DSQ3": "Parameters",
    "DSQ4": "Version-control hygiene",
    "DSQ5": "Data leakage and evaluation",
}


def rule_markdown(rule: Rule, *, level: int = 2) -> str:
    """One rule's documentation as Markdown."""
    doc = rule.doc()
    heading = "#" * level
    sub = "#" * (level + 1)
    facts = [
        f"severity: {rule.severity.value}",
        f"on by default: {'yes' if rule.default_enabled else 'no'}",
        f"fixable: {'yes' if rule.fixable else 'no'}",
    ]
    if rule.options:
        facts.append("options: " + ", ".join(f"`{key} = {value!r}`" for key, value in rule.options.items()))
    return (
        f"{heading} {rule.code} `{rule.name}`\n\n{rule.summary}\n\n"
        + "".join(f"- {fact}\n" for fact in facts)
        + f"\n{sub} What it does\n\n{doc.what}\n\n{sub} Why is this bad?\n\n{doc.why}\n\n"
        + f"{sub} Example\n\n{doc.example}\n\n{sub} How to fix\n\n{doc.fix}\n\n"
    )


def rules_reference() -> str:
    """``docs/rules.md``: an index table, then every rule by family."""
    lines = [
        "# dsquality rules\n\n",
        "Generated from the rule docstrings by `python -m dsquality.docs`; a test keeps it in sync.\n",
        "Suppress a finding with `# dsq: noqa: CODE` on its line or a cell tag `dsq-noqa:CODE`.\n\n",
        "| code | name | summary | default | fixable |\n| --- | --- | --- | --- | --- |\n",
    ]
    for rule in RULES.values():
        default = "on" if rule.default_enabled else "off"
        lines.append(
            f"| {rule.code} | `{rule.name}` | {rule.summary} | {default} | {'yes' if rule.fixable else ''} |\n"
        )
    family = None
    for rule in RULES.values():
        if rule.code[:4] != family:
            family = rule.code[:4]
            lines.append(f"\n## {_FAMILIES.get(family, family)}\n\n")
        lines.append(rule_markdown(rule, level=3))
    return "".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(rules_reference())
