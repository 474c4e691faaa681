"""WSGI entry point for gunicorn/waitress: `app.wsgi:server`."""

from app.factory import create_app

server = create_app().server
