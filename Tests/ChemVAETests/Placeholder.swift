// Tests for ChemVAE live here.
