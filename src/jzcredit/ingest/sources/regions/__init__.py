"""Administrative regions and poverty-county status (行政区划, 贫困县)."""
