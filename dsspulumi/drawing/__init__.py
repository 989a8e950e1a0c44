"""Pictures of a stack's flow (``dss graph``): DOT, Mermaid, SVG and a self-contained HTML page.

``model.flow_of`` turns a resource graph (and optionally a plan) into a ``Flow``: the nodes
the DSS flow draws (datasets, recipes, folders), the edges between them, and the clusters
they sit in (projects, and flow zones inside them). Every format is rendered from that one
model, so they all show the same picture.
"""
