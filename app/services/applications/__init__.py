"""The application journey, the same on the web, in the apps and at the window: the questions a
service asks (``questions``), drafts, answers, documents and submission (``journey``), the
household's identity numbers kept encrypted (``household``) and one-window filing (``window``).

No names are re-exported here: the engine (``app.services.cases``) and the journey use each
other's modules, and a package that imported all of them at once would import in a circle."""
