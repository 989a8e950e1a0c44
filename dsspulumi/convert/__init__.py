"""``dss convert``: the YAML configurations of the "Dataiku IaC" prototype -> a Python stack.

``prototype.load`` reads one file, or the directory layout (``project.yml`` beside
``datasets/*.yml`` and ``recipes/*.yml``), and checks it by the prototype's own rules (names,
references, no cycle); ``emit.stack_source`` writes the stack. Keys with no equivalent are
never dropped silently: each is kept as a comment where it was, and listed in the report.
"""
