//! Schema × Schema → ordered changes (autogenerate). Filled in by the autogenerate work.
