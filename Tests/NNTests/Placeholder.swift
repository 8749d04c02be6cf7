// Tests for NN live here.
