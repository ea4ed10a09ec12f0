"""Small real servers the tests talk to over loopback: an SMS gateway and an SMTP sink."""
