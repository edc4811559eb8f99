"""Reports rendered from a result directory."""

from lbopt.report.html import render_report

__all__ = ["render_report"]
