"""The flood module: key inspection points, risk markers, patrols, rain and water sensors.

Still empty: it registers on the module contract in a later step (issue 4).
"""

MODULE_ID = "flood"
TITLE = "防汛"
