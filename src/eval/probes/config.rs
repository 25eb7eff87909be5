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
    /// shadow's `getdef.c` (4.13, Debian 12): leading blanks and double quotes skipped,
    /// the value cut at the next double quote (`UMASK "027"` is 027).
    LoginDefs,
}

fn read_value(reader: Reader, raw: &str) -> &str {
    match reader {
        Reader::Plain => raw,
        Reader::LoginDefs => {
            let v = raw.trim_start_matches([' ', '\t', '"']);
            v.split('"').next().unwrap_or(v)
        }
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
            let value = read_value(reader, raw);
            let mut v = judge(cmp, key, value, EvidenceSource::origin(&origin));
            if value != raw {
                if let Some(first) = v.evidence.first_mut() {
                    first.observed = format!("{raw:?}, which shadow's tools read as {value}");
                }
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
    key_value(kv, &t.key, &t.compare(), t.when_missing, Reader::Plain)
}

pub(super) fn login_defs(t: &KeyTest, facts: &Facts) -> Verdict {
    let kv = collected!(facts => LoginDefs, EvidenceSource::file("/etc/login.defs", None));
    key_value(
        &kv.0,
        &t.key,
        &t.compare(),
        t.when_missing,
        Reader::LoginDefs,
    )
}
