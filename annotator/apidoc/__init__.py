"""The API's OpenAPI 3.1 description: one module per route group (plain data), assembled by
``document.py`` and served with its page for people by ``api.py``."""
