"""The Dash application: factory, pages, HTTP API and CLI.

Nothing is built at import: call `app.factory.create_app(settings)`.
"""
