"""Service points and appointments (issue 17): the directory, booking by applicants, the
window clerk's day list."""

from app.services.service_points import booking, demo, desk, directory

__all__ = ["booking", "demo", "desk", "directory"]
