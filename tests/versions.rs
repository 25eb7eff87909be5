//! Version ordering against the package managers themselves: every pair in
//! `tests/fixtures/versions/` was ordered by dpkg, rpm or apk-tools (see its README), and
//! Ward must give the same answer for every one. Then the ordering laws, by proptest.

use std::cmp::Ordering;
use std::path::Path;

use proptest::prelude::*;
use ward::version::{Apk, Dpkg, Rpm, Scheme, Semver};

struct Row {
    line: usize,
    a: String,
    b: String,
    verdict: Ordering,
    kind: String,
}

fn rows(file: &str) -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/versions")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .enumerate()
        .skip(1)
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            let verdict = match cols[2] {
                "lt" => Ordering::Less,
                "eq" => Ordering::Equal,
                "gt" => Ordering::Greater,
                other => panic!("{file}:{}: verdict {other:?}", i + 1),
            };
            Row {
                line: i + 1,
                a: cols[0].to_string(),
                b: cols[1].to_string(),
                verdict,
                kind: cols.get(3).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

/// Every row of `file` ordered by `cmp`; panics listing the first disagreements.
fn differential(file: &str, cmp: impl Fn(&str, &str) -> Result<Ordering, String>) -> usize {
    let rows = rows(file);
    assert!(rows.len() > 1000, "{file}: only {} rows", rows.len());
    let mut bad = Vec::new();
    for r in &rows {
        let got = cmp(&r.a, &r.b);
        if got.as_ref() != Ok(&r.verdict) {
            bad.push(format!(
                "{file}:{} {:?} vs {:?} ({}): oracle {:?}, Ward {:?}",
                r.line, r.a, r.b, r.kind, r.verdict, got
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} disagree:\n{}",
        bad.len(),
        rows.len(),
        bad.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
    rows.len()
}

fn via(s: &'static dyn Scheme) -> impl Fn(&str, &str) -> Result<Ordering, String> {
    move |a, b| s.compare(a, b).map_err(|e| e.to_string())
}

#[test]
fn dpkg_agrees_with_dpkg_on_every_pair() {
    assert_eq!(differential("dpkg-pairs.tsv", via(&Dpkg)), 19_820);
    assert_eq!(
        differential("dpkg-pairs-osv-scalibr.tsv", via(&Dpkg)),
        14_442
    );
}

#[test]
fn rpm_agrees_with_librpm_on_every_pair() {
    assert_eq!(differential("rpm-pairs.tsv", via(&Rpm)), 5_572);
}

/// Valid versions through the scheme; the strings apk-tools rejects (`invalid-version`
/// rows) must be refused by the scheme, and apk's own answer for them is still reproduced
/// by `Apk::compare_any`.
#[test]
fn apk_agrees_with_apk_tools_on_every_pair() {
    let n = differential("apk-pairs.tsv", |a, b| Ok(Apk::compare_any(a, b)));
    assert_eq!(n, 5_177);
    for r in rows("apk-pairs.tsv") {
        let valid = Apk::is_valid(&r.a) && Apk::is_valid(&r.b);
        assert_eq!(
            valid,
            r.kind != "invalid-version",
            "apk-pairs.tsv:{} {:?} {:?}",
            r.line,
            r.a,
            r.b
        );
        if valid {
            assert_eq!(Apk.compare(&r.a, &r.b).unwrap(), r.verdict);
        } else {
            assert!(Apk.compare(&r.a, &r.b).is_err());
        }
    }
    assert_eq!(differential("apk-pairs-osv-scalibr.tsv", via(&Apk)), 13_979);
}

/// Version-like strings from an alphabet rich in each scheme's special characters.
fn version(alphabet: &'static str) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 1..12)
        .prop_map(|v| v.into_iter().collect())
}

/// Antisymmetry, reflexivity, transitivity, and equality being consistent (equal
/// versions compare alike against a third), for versions the scheme accepts.
fn laws(s: &dyn Scheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let (Ok(ab), Ok(ba), Ok(bc), Ok(ac)) = (
        s.compare(a, b),
        s.compare(b, a),
        s.compare(b, c),
        s.compare(a, c),
    ) else {
        return Ok(());
    };
    prop_assert_eq!(s.compare(a, a).unwrap(), Ordering::Equal);
    prop_assert_eq!(ab, ba.reverse(), "antisymmetry {} {}", a, b);
    if ab != Ordering::Greater && bc != Ordering::Greater {
        prop_assert_ne!(
            ac,
            Ordering::Greater,
            "transitivity {} <= {} <= {}",
            a,
            b,
            c
        );
    }
    if ab == Ordering::Equal {
        prop_assert_eq!(ac, bc, "equality {} == {}, against {}", a, b, c);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn dpkg_is_a_total_order(
        a in version("0123456789.~+-:ab"), b in version("0123456789.~+-:ab"), c in version("0123456789.~+-:ab"),
    ) {
        laws(&Dpkg, &a, &b, &c)?;
    }

    #[test]
    fn rpm_is_a_total_order(
        a in version("0123456789.~^-_:ab"), b in version("0123456789.~^-_:ab"), c in version("0123456789.~^-_:ab"),
    ) {
        laws(&Rpm, &a, &b, &c)?;
    }

    #[test]
    fn apk_is_a_total_order(
        a in version("0123456789._-rpabc"), b in version("0123456789._-rpabc"), c in version("0123456789._-rpabc"),
    ) {
        laws(&Apk, &a, &b, &c)?;
    }

    #[test]
    fn semver_is_a_total_order(
        a in (0u8..3, 0u8..3, 0u8..3, proptest::option::of("[a-c0-2]{1,2}(\\.[a-c0-2]{1,2})?")),
        b in (0u8..3, 0u8..3, 0u8..3, proptest::option::of("[a-c0-2]{1,2}(\\.[a-c0-2]{1,2})?")),
        c in (0u8..3, 0u8..3, 0u8..3, proptest::option::of("[a-c0-2]{1,2}(\\.[a-c0-2]{1,2})?")),
    ) {
        let v = |(x, y, z, pre): (u8, u8, u8, Option<String>)| match pre {
            Some(p) => format!("{x}.{y}.{z}-{p}"),
            None => format!("{x}.{y}.{z}"),
        };
        laws(&Semver, &v(a), &v(b), &v(c))?;
    }
}
