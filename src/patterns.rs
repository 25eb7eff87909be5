//! Regular expressions from the catalogue, compiled once per run.
//!
//! A `lines` pattern is compiled by the collector that searches the files and again by the
//! probe that reads its `value` capture; a `matches` comparison may be evaluated for many
//! items. Compiling a pattern with Unicode classes (`\s`, `\S`) costs far more than using it,
//! so compiled patterns are kept here, shared between threads, for the life of the process.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;

/// At most this many patterns are kept; past it, patterns are compiled each time (a
/// catalogue has a few dozen).
const MAX_KEPT: usize = 4096;

/// The compiled form of `pattern`, compiled on first use.
pub fn regex(pattern: &str) -> Result<Regex, regex::Error> {
    static KEPT: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked mid-insert; the map is still whole.
    if let Some(re) = kept.lock().unwrap_or_else(|p| p.into_inner()).get(pattern) {
        return Ok(re.clone());
    }
    // Compiled outside the lock: two threads may compile the same pattern once each.
    let re = Regex::new(pattern)?;
    let mut map = kept.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() < MAX_KEPT {
        map.insert(pattern.to_string(), re.clone());
    }
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_compiles_once_and_errors_are_not_kept() {
        let a = regex(r"^\s*minlen\s*=\s*(?P<value>\d+)").unwrap();
        let b = regex(r"^\s*minlen\s*=\s*(?P<value>\d+)").unwrap();
        assert!(b.is_match("minlen = 14"));
        assert_eq!(a.as_str(), b.as_str());
        assert!(regex("(unclosed").is_err());
        assert!(regex("(unclosed").is_err());
    }
}
