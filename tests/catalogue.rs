//! The built-in catalogue as a whole: it loads clean, lints clean, every check is proven by
//! its fixtures (the same run as `ward controls test`), ids are stable (snapshot), and the
//! DSPT framework lists every contributing outcome.

use ward::catalogue::{lint, Catalogue, Coverage};
use ward::selftest::{self, CaseStatus};

#[test]
fn every_check_passes_and_fails_on_its_fixtures() {
    let cat = Catalogue::builtin().unwrap();
    let cases = selftest::run(&cat, None);
    let not_ok: Vec<String> = cases
        .iter()
        .filter(|c| c.status != CaseStatus::Ok)
        .map(|c| {
            format!(
                "{:?} {} on {}: expected {}, got {:?}: {}",
                c.status, c.check, c.fixture, c.expected, c.got, c.detail
            )
        })
        .collect();
    assert!(not_ok.is_empty(), "{}", not_ok.join("\n"));
    let summary = selftest::Summary::of(&cases);
    assert!(summary.unproven.is_empty(), "{:?}", summary.unproven);
    assert!(summary.is_success());
    // Every check is in the run.
    for id in cat.checks.keys() {
        assert!(cases.iter().any(|c| &c.check == id), "{id} never ran");
    }
}

#[test]
fn builtin_catalogue_lints_clean_and_is_large_enough() {
    let cat = Catalogue::builtin().unwrap();
    assert_eq!(lint(&cat), Vec::<String>::new());
    assert!(cat.checks.len() >= 30, "{} checks", cat.checks.len());
    for area in ["ssh.", "accounts.", "files.", "kernel.", "packages."] {
        assert!(
            cat.checks.keys().filter(|k| k.starts_with(area)).count() >= 3,
            "too few {area} checks"
        );
    }
}

#[test]
fn check_ids_are_stable() {
    let cat = Catalogue::builtin().unwrap();
    let ids: Vec<String> = cat
        .checks
        .values()
        .map(|c| format!("{} {}", c.id, c.severity))
        .collect();
    insta::assert_snapshot!(ids.join("\n"));
}

#[test]
fn dspt_framework_lists_every_outcome() {
    let cat = Catalogue::builtin().unwrap();
    let fw = &cat.frameworks["dspt-caf-2024-25"];
    let ids: Vec<&str> = fw.requirements.iter().map(|r| r.id.as_str()).collect();
    // The 39 NCSC CAF v3.2 contributing outcomes plus the objective E outcomes.
    for expected in [
        "A1.a", "A1.b", "A1.c", "A2.a", "A2.b", "A3.a", "A4.a", "B1.a", "B1.b", "B2.a", "B2.b",
        "B2.c", "B2.d", "B3.a", "B3.b", "B3.c", "B3.d", "B3.e", "B4.a", "B4.b", "B4.c", "B4.d",
        "B5.a", "B5.b", "B5.c", "B6.a", "B6.b", "C1.a", "C1.b", "C1.c", "C1.d", "C1.e", "C2.a",
        "C2.b", "D1.a", "D1.b", "D1.c", "D2.a", "D2.b", "E1.a", "E2.a", "E2.b", "E2.c", "E3.a",
        "E3.b", "E4.a", "E4.b",
    ] {
        assert!(ids.contains(&expected), "{expected} missing");
    }
    // 39 CAF v3.2 outcomes and the DSPT's 8 objective E outcomes.
    assert_eq!(ids.len(), 47);
    for r in &fw.requirements {
        if r.status != Coverage::Automated {
            assert!(r.question.is_some(), "{} has no auditor question", r.id);
        }
    }
    // Every check evidences at least one requirement.
    for id in cat.checks.keys() {
        assert!(
            fw.requirements
                .iter()
                .any(|r| r.checks.iter().any(|c| &c.check == id)),
            "{id} is not mapped"
        );
    }
}
