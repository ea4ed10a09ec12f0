"""Applications by organisations: the party is the organisation (``Case.organisation_id``),
filed from the employer workspace; batch claims list lines each checked on its own; what may
be paid once (a certificate, a person placed, a base's month) is claimed once."""
