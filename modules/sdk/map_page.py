"""The map page's public Dash component ids: the only ids of the core a module may bind to.

A module's callbacks may listen to these (Input/State), never write them (Output): the map
page owns them. app/pages/map.py builds its layout from the same constants.
"""

from __future__ import annotations

# dcc.Store: the 12-digit code of the unit the map shows (its focus), "" for the viewer's root.
MAP_FOCUS = "map-focus"
# dcc.Store: the unit picked in the map or the list, shown in the profile card.
MAP_SELECTED = "map-selected"
# dcc.Graph: the map itself; its `clickData` carries the clicked trace's customdata.
MAP_GRAPH = "map"
