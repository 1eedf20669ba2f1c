"""Green-channel approval tracking: the state machine, working-day deadlines, timetables, services.

``workflow`` and ``calendar`` are pure (no database) so that their rules can be tested exhaustively;
``service`` applies them to the database, one transaction and one history event per change.
"""
