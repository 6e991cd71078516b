"""The built-in fake Microsoft 365 that the tests and ``meettray --demo`` run against."""
