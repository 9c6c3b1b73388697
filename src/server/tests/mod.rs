//! Whole-app tests.
