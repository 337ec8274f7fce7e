"""QA pages, one module per page group: dip samples, grading, the dashboards, and feedback
with its disputes (exports are in qa.api). Every write goes through qa.services."""
