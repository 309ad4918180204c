//! placeholder
use super::Rule;
/// Rules in this family.
pub static RULES: &[&Rule] = &[];
