"""What a resource kind is, declared once: its fields (``schema``), its ownership mark
(``marks``), and where it is registered (``registry``). Pure: no IO, no ``dataikuapi``."""
