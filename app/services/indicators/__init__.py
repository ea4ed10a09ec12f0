"""The plans' indicators: definitions, computed and recorded figures, evaluations, the board."""
