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
//!
//! # Shape of the code
//!
//! The modules form layers, and each uses only the layers below its own
//! (`tests/layers.rs` checks this, so no two modules can come to depend on each
//! other):
//!
//! - [`model`]: plain data, no I/O: findings, diagnoses, root causes, counts
//!   and the run's [`model::Summary`]. Beside it, `cache`: the bounded table
//!   the threads remember what they worked out in.
//! - [`kb`]: the knowledge base, compiled in from `kb/**`: one entry per code,
//!   the correlation rules' wording (`kb/rules/`), shared facts such as the EWS
//!   retirement dates (`kb/facts.toml`), and the table of HTTP statuses. Beside
//!   it, [`input`]: opening paths, archives and workbooks, gunzip, transcoding.
//! - [`walk`]: which inputs a run reads. [`scan`]: finding payloads in decoded
//!   text. [`diagnose`]: ranking causes for a finding and correlating findings
//!   into root causes.
//! - [`report`]: the output formats, one [`report::Report`] trait; [`redact`]
//!   wraps any of them.
//! - [`run`]: a whole run, on top: walk, scan in parallel, diagnose, report.
//!
//! The binary (`src/bin/ewsdiag/`) holds the command line, terminal choices and
//! exit codes only.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub(crate) mod ascii;
pub(crate) mod cache;
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
