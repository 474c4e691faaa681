"""Access control: the viewer (who looks, in which role, over which units), reads of the
divisions as a viewer may see them, and the audit log. Pages, routes and modules reach data
about places only through here."""
