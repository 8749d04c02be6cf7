// Tests for Storage live here.
