"""Calendar adapters: iCalendar import (file, URL, CalDAV) and per-provider ICS export."""
