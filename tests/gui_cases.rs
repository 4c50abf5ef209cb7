//! Placeholder: GUI tests for this view are being written.
