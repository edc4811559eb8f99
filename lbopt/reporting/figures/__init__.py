"""Figure and section code of each family and study; the report lays out what these return."""
