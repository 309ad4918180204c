//! Parsers that keep line and column for every value rules read.

pub mod envoy;
pub mod hcl;
pub mod kong;
pub mod nginx;
pub mod openapi;
pub mod settings;
pub mod xml;
