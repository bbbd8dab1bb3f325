//! The knowledge base: what every code means, why it happens and how to fix it.

pub mod codes;
