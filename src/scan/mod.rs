//! Finding payloads in text.
