"""Reports: render a scan's decisions as a terminal table, JSON or CSV."""
