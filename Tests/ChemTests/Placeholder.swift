// Tests for Chem live here.
