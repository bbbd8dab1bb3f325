//! ewsdiag finds Exchange Web Services (EWS) error responses and Dynamics 365
//! server-side synchronization alerts in logs, and says what went wrong and how to
//! fix it.
//!
//! Data flows one way:
//!
//! ```text
//! input (open, gunzip, transcode) → scan (find payloads) → model::Finding
//!     → diagnose (knowledge base) → report (human, ndjson, json, csv)
//! ```
//!
//! Nothing here parses a whole log as XML: a cheap byte search finds candidate
//! windows and only those are parsed.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod diagnose;
pub mod filter;
pub mod input;
pub mod kb;
pub mod model;
pub mod redact;
pub mod report;
pub mod run;
pub mod scan;
pub mod walk;
