"""Youth-station stays (issue 17, point 2): stations and their free beds, booking by the
holder of an approved youth-station case, the station staff's desk, and the days counted."""

from app.services.youth_stations import days, demo, desk, stations, stays

__all__ = ["days", "demo", "desk", "stations", "stays"]
