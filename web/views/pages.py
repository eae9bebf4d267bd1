"""HTML pages (placeholder until the web issue fills it in)."""

from flask import Blueprint

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return "<!doctype html><meta charset=utf-8><title>Hanoi Open Data</title><h1>Dữ liệu mở Hà Nội</h1>"
