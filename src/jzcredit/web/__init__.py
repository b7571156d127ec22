"""Web pages (简体中文): Jinja2 templates and static files shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

from jzcredit.web import labels

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# autoescape is on for .html templates (select_autoescape), so hostile text renders escaped
templates = Jinja2Templates(directory=TEMPLATES_DIR)

# plain-Chinese words for codes (record types, grades, lists …): see labels.py
labels.install(templates.env)
