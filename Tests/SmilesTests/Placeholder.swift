// Tests for Smiles live here.
