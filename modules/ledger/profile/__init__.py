"""一村一档 / 一镇一档: a unit's file in the map's side panel — the latest values of its main
tags with twelve months of each, completeness, its key points (the sites contract), the
people exposed when a hazard's footprint covers it, and its open requests and tasks. The
figures are the ledger's own (kept values, roll-ups above them); everything is read through
the viewer's scope. See docs/ledger.md."""
