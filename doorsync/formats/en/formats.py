"""Dates as doorsync shows them where a page does not choose its own format (Django admin):
with the time zone named, since admin shows stored UTC and support answers managers who
read their property's local time."""

DATETIME_FORMAT = "N j, Y, P T"
SHORT_DATETIME_FORMAT = "m/d/Y P T"
