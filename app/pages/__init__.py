"""Dash pages; each registers its own callbacks with `dash.callback`."""
