"""The HTML dashboard, one module per area; every view is wrapped in views.base.dashboard_view."""
