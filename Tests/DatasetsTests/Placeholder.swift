// Tests for Datasets live here.
