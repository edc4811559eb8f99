"""Reports rendered from a result directory."""

from lbopt.reporting.html import render_report

__all__ = ["render_report"]
