//! The lint rules, one per file with its tests; [`RULES`] is their registry (order is
//! the order findings of one statement are reported in).
pub mod add_not_null_without_default;
pub mod drop_column;
pub mod drop_table;
pub mod index_without_concurrently;
pub mod missing_downgrade;
pub mod needs_attention;
pub mod non_transactional_statement;
pub mod rename;
pub mod set_not_null;
pub mod table_rebuild;
pub mod type_change;
pub mod unparsed;
pub mod unverified;
pub mod volatile_default;

use super::Rule;

pub static RULES: &[&Rule] = &[
    &drop_table::RULE,
    &drop_column::RULE,
    &rename::RULE,
    &type_change::RULE,
    &add_not_null_without_default::RULE,
    &set_not_null::RULE,
    &index_without_concurrently::RULE,
    &volatile_default::RULE,
    &non_transactional_statement::RULE,
    &table_rebuild::RULE,
    &missing_downgrade::RULE,
    &needs_attention::RULE,
    &unverified::RULE,
    &unparsed::RULE,
];
