"""The motion transformer and its losses."""
