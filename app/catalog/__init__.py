"""Service catalog data shipped with the portal: one YAML file per district.

``talent-portal demo`` (and ``talent-portal catalog load``) copy these into the ``service``
table, where district admins edit them; the files are the starting point, not the live copy.
"""
