//! Update protocols. Only dyndns2 for now.

pub mod dyndns2;
