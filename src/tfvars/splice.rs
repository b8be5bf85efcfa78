//! Format-preserving edits: replace one value's bytes, or insert one new line into a map.
