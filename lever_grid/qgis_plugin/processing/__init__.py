"""Processing provider ``levergrid`` and its algorithms."""
