//! Key/value settings: `config` probes over planned key/value files and `/etc/login.defs`.
//!
//! Only the keys the catalogue asked for were collected; a key not planned is `error`.

use super::{judge, missing, not_collected, path_source};
use crate::catalogue::test::{Compare, ConfigTest, KeyTest, WhenMissing};
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::keyvalue::KeyValues;
use crate::facts::registry::{ConfigValues, LoginDefs};
use crate::facts::{Fact, Facts};

/// How a reader takes a value apart before using it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// As written.
    Plain,
    /// As shadow's tools read it: the file was parsed as they parse it (login.defs' quotes
    /// already removed), and the password ages and INACTIVE are numbers as `getlong` reads
    /// them.
    Shadow,
}

/// The settings whose numbers shadow's tools read with `getlong` and replace by -1 (no
/// limit, never) when they cannot: login.defs' password ages (`getdef_num(…, -1)`) and
/// useradd's INACTIVE.
const SHADOW_NUMBERS: [&str; 4] = [
    "PASS_MAX_DAYS",
    "PASS_MIN_DAYS",
    "PASS_WARN_AGE",
    "INACTIVE",
];

/// A number shadow's tools read as something else than its decimal text shows: the value
/// they use and why (`None` when the text is what they use, or the key is not one of
/// [`SHADOW_NUMBERS`]).
fn shadow_reading(key: &str, value: &str) -> Option<(String, String)> {
    if !SHADOW_NUMBERS.contains(&key) {
        return None;
    }
    match crate::facts::keyvalue::shadow_number(value) {
        Some(n) if n.to_string() == value => None,
        Some(n) => Some((
            n.to_string(),
            format!("{value:?}, which shadow's tools read as {n} (strtol with base 0: a leading 0 is octal)"),
        )),
        None => Some((
            "-1".to_string(),
            format!(
                "{value:?}, which shadow's tools cannot read as a number (nothing may follow it; \
                 a leading 0 is octal): they use -1, no limit"
            ),
        )),
    }
}

fn key_value(
    kv: &KeyValues,
    key: &str,
    cmp: &Compare,
    when_missing: WhenMissing,
    reader: Reader,
) -> Verdict {
    if !kv.present {
        return missing(
            when_missing,
            format!("{} does not exist", kv.path),
            vec![Evidence::new(
                EvidenceSource::file(&kv.path, None),
                "file absent",
                cmp.describe(),
            )],
        );
    }
    match kv.effective(key) {
        Some((raw, origin)) => {
            let numeric = cmp.at_least.is_some() || cmp.at_most.is_some();
            let shadow = (reader == Reader::Shadow && numeric)
                .then(|| shadow_reading(key, raw))
                .flatten();
            let (value, note) = match &shadow {
                Some((v, why)) => (v.as_str(), Some(why.clone())),
                None => (raw, None),
            };
            let mut v = judge(cmp, key, value, EvidenceSource::origin(&origin));
            if let (Some(first), Some(note)) = (v.evidence.first_mut(), note) {
                first.observed = note;
            }
            v
        }
        None => missing(
            when_missing,
            format!("{key} is not set in {}", kv.path),
            vec![Evidence::new(
                EvidenceSource::file(&kv.path, None),
                format!("{key} not set"),
                cmp.describe(),
            )],
        ),
    }
}

pub(super) fn config(t: &ConfigTest, facts: &Facts) -> Verdict {
    let configs =
        collected!(facts => ConfigValues, EvidenceSource::collector("configuration keys"));
    let Some(fact) = configs.0.iter().find(|c| {
        c.query.path == t.path && c.query.format == t.format && c.query.keys.contains(&t.key)
    }) else {
        return not_collected(&format!("{} {}", t.path, t.key));
    };
    let kv = collected!(&fact.result, path_source(&t.path));
    let reader = if t.format == crate::facts::keyvalue::Format::Useradd {
        Reader::Shadow
    } else {
        Reader::Plain
    };
    key_value(kv, &t.key, &t.compare(), t.when_missing, reader)
}

pub(super) fn login_defs(t: &KeyTest, facts: &Facts) -> Verdict {
    let kv = collected!(facts => LoginDefs, EvidenceSource::file("/etc/login.defs", None));
    key_value(&kv.0, &t.key, &t.compare(), t.when_missing, Reader::Shadow)
}
