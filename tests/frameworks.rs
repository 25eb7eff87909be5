//! Frameworks as an auditor meets them: `ward frameworks` coverage figures that agree with
//! the framework files, profiles that report every requirement of their framework once with
//! its denominator, attestations that answer manual requirements (and stop answering when
//! they expire), parameters that make two frameworks disagree on the same host, and a
//! snapshot of every framework's requirement identifiers so a change to them is reviewed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use ward::catalogue::fixtures::Fixture;
use ward::catalogue::Catalogue;

const FRAMEWORKS: [&str; 8] = [
    "cis-controls-v8",
    "cmmc-2.0",
    "cyber-essentials-v3.2",
    "dspt-caf-2024-25",
    "dspt-ndg-2025-26",
    "hhs-hph-cpg",
    "hicp-2023",
    "nist-csf-2.0",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ward() -> Command {
    Command::cargo_bin("ward").unwrap()
}

/// Build a built-in fixture host into a temporary directory.
fn fixture_root(name: &str) -> tempfile::TempDir {
    let cat = Catalogue::builtin().unwrap();
    let fx = Fixture::resolved(name, &cat.fixtures).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fx.materialise(name, dir.path(), false).unwrap();
    dir
}

/// Scan `root` with extra arguments; the JSON and Markdown reports.
fn scan(root: &Path, extra: &[&str]) -> (Value, String) {
    let out = tempfile::tempdir().unwrap();
    let assert = ward()
        .args(["scan", "--format", "json,md", "--quiet", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out.path())
        .args(extra)
        .assert();
    let code = assert.get_output().status.code();
    assert!(matches!(code, Some(0..=1)), "{:?}", assert.get_output());
    let json = serde_json::from_slice(&fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let md = fs::read_to_string(out.path().join("report.md")).unwrap();
    (json, md)
}

/// The requirement `id` of the first framework in a report.
fn requirement<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["frameworks"][0]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no requirement {id}"))
}

/// Scan with the DSPT CAF profile and the example attestations, judged on `as_of`.
fn scan_dspt_attested(root: &Path, as_of: &str) -> (Value, String) {
    let example = repo().join("examples/attestations/dspt-caf.yaml");
    scan(
        root,
        &[
            "--profile",
            "dspt-caf",
            "--attestations",
            example.to_str().unwrap(),
            "--as-of",
            as_of,
        ],
    )
}

/// Read a framework file as plain YAML values, independently of Ward's model.
fn framework_yaml(id: &str) -> Value {
    let text = fs::read_to_string(repo().join(format!("controls/frameworks/{id}.yaml"))).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

#[test]
fn ward_frameworks_lists_all_eight_with_coverage_recomputed_from_the_files() {
    let out = ward().args(["frameworks", "--json"]).assert().success();
    let rows: Vec<Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let listed: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(listed, FRAMEWORKS);
    for row in &rows {
        let id = row["id"].as_str().unwrap();
        let y = framework_yaml(id);
        let reqs = y["requirements"].as_array().unwrap();
        let count = |s: &str| reqs.iter().filter(|r| r["status"] == s).count();
        let checks: BTreeSet<&str> = reqs
            .iter()
            .flat_map(|r| r["checks"].as_array().into_iter().flatten())
            .map(|c| c["check"].as_str().unwrap())
            .collect();
        assert_eq!(row["requirements"], reqs.len(), "{id}");
        assert_eq!(row["automated"], count("automated"), "{id}");
        assert_eq!(row["partial"], count("partial"), "{id}");
        assert_eq!(row["manual"], count("manual"), "{id}");
        assert_eq!(row["checks_mapped"], checks.len(), "{id}");
        assert_eq!(
            row["unconfirmed"],
            reqs.iter()
                .filter(|r| r.get("unconfirmed").is_some())
                .count(),
            "{id}"
        );
    }
    // The table form names each one too.
    let table = ward().arg("frameworks").assert().success();
    let text = String::from_utf8_lossy(&table.get_output().stdout).into_owned();
    for id in FRAMEWORKS {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
}

#[test]
fn framework_requirement_ids_are_stable() {
    let cat = Catalogue::builtin().unwrap();
    let mut out = String::new();
    for (id, fw) in &cat.frameworks {
        out.push_str(&format!("{id} ({} requirements)\n", fw.requirements.len()));
        for r in &fw.requirements {
            let mut tags = Vec::new();
            if !r.aliases.is_empty() {
                tags.push(format!("aliases {}", r.aliases.join(",")));
            }
            if !r.sizes.is_empty() {
                let s: Vec<String> = r.sizes.iter().map(|s| s.to_string()).collect();
                tags.push(format!("sizes {}", s.join(",")));
            }
            if let Some(l) = r.level {
                tags.push(format!("level {l}"));
            }
            if let Some(g) = r.ig {
                tags.push(format!("IG{g}"));
            }
            out.push_str(&format!("  {} {:?} {}\n", r.id, r.status, tags.join("; ")));
        }
    }
    insta::assert_snapshot!(out);
}

/// Each requirement of the profile's framework appears exactly once in the JSON and in the
/// Markdown table, with a status, and the summary's counts add up to the total.
fn assert_every_requirement_once(report: &Value, md: &str, framework: &str, expected: usize) {
    let fws = report["frameworks"].as_array().unwrap();
    assert_eq!(fws.len(), 1, "one framework reported");
    let fw = &fws[0];
    assert_eq!(fw["id"], framework);
    let reqs = fw["requirements"].as_array().unwrap();
    assert_eq!(reqs.len(), expected);
    let ids: BTreeSet<&str> = reqs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), reqs.len(), "a requirement appears twice");
    let s = &fw["summary"];
    assert_eq!(s["total"], expected);
    let sum: u64 = [
        "met",
        "not_met",
        "unknown",
        "needs_attestation",
        "attested",
        "not_applicable",
    ]
    .iter()
    .map(|k| s[k].as_u64().unwrap())
    .sum();
    assert_eq!(sum as usize, expected, "statuses add up to the denominator");
    for r in reqs {
        assert!(r["status"].is_string(), "{r}");
        // The Markdown requirements table has one row per requirement.
        let row = format!("| **{}**", r["id"].as_str().unwrap());
        assert_eq!(md.matches(&row).count(), 1, "{row} in the Markdown table");
    }
    assert!(
        md.contains(&format!(" of {expected}.")),
        "Markdown gives the denominator {expected}"
    );
}

#[test]
fn hicp_medium_and_cyber_essentials_report_every_requirement_once() {
    let host = fixture_root("accounts-hardened");
    let cat = Catalogue::builtin().unwrap();

    let hicp = &cat.frameworks["hicp-2023"];
    let medium = hicp
        .requirements
        .iter()
        .filter(|r| r.sizes.contains(&ward::catalogue::OrgSize::Medium))
        .count();
    assert!(medium > 20, "{medium} medium sub-practices");
    let (json, md) = scan(host.path(), &["--profile", "hicp-medium"]);
    assert_every_requirement_once(&json, &md, "hicp-2023", medium);
    assert_eq!(
        json["frameworks"][0]["scope"],
        "hicp-2023 (medium organisations)"
    );
    // No small-only or large-only sub-practice slips in.
    for r in json["frameworks"][0]["requirements"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        assert!(id.contains(".M."), "{id} is not a medium sub-practice");
    }

    let ce = cat.frameworks["cyber-essentials-v3.2"].requirements.len();
    let (json, md) = scan(host.path(), &["--profile", "cyber-essentials"]);
    assert_every_requirement_once(&json, &md, "cyber-essentials-v3.2", ce);
}

#[test]
fn dspt_caf_attestations_answer_outcomes_and_expired_ones_need_answering_again() {
    let host = fixture_root("accounts-hardened");
    let (json, md) = scan_dspt_attested(host.path(), "2026-12-01");
    assert_every_requirement_once(&json, &md, "dspt-caf-2024-25", 47);
    let reqs: BTreeMap<&str, &Value> = json["frameworks"][0]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();

    // Answered met and current: attested, with owner, evidence and expiry shown.
    let a1a = reqs["A1.a"];
    assert_eq!(a1a["status"], "attested");
    assert_eq!(
        a1a["attestation"]["owner"],
        "Chief Executive (SIRO delegate), Example NHS Trust"
    );
    assert_eq!(a1a["attestation"]["expires"], "2099-06-30");
    assert_eq!(a1a["attestation"]["expired"], false);
    assert!(a1a["attestation"]["evidence"][0]["document"]
        .as_str()
        .unwrap()
        .contains("Board minutes"));
    assert!(md.contains("☑ Attested; attested met by Chief Executive"));
    assert!(md.contains("Board minutes 2026-06-12"));

    // Partially met is not met.
    assert_eq!(reqs["D1.a"]["status"], "not_met");
    assert_eq!(reqs["D1.a"]["attestation"]["answer"], "partially_met");

    // Expired: back to needing attestation, and listed as expired.
    let a2a = reqs["A2.a"];
    assert_eq!(a2a["status"], "needs_attestation");
    assert_eq!(a2a["attestation"]["expired"], true);
    assert_eq!(json["frameworks"][0]["summary"]["expired_attestations"], 1);
    assert_eq!(json["frameworks"][0]["summary"]["attested"], 2);
    assert!(md.contains("**EXPIRED**"));

    // Judged on a day before it lapsed, the same answer still counts; answers given after
    // that day do not count yet.
    let (json, _) = scan_dspt_attested(host.path(), "2025-01-15");
    assert_eq!(requirement(&json, "A2.a")["status"], "attested");
    let a1a = requirement(&json, "A1.a");
    assert_eq!(a1a["status"], "needs_attestation");
    assert_eq!(a1a["attestation"]["not_yet_given"], true);
}

#[test]
fn a_failing_check_is_not_overridden_by_an_attestation() {
    // sudo.password-required fails on a NOPASSWD host; B2.c is partial and maps it.
    let host = fixture_root("sudo-nopasswd-dropin");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.yaml");
    fs::write(
        &file,
        "attestations:\n  - framework: dspt-caf-2024-25\n    requirement: B2.c\n    answer: met\n    owner: IT lead\n    date: 2026-01-01\n    expires: 2099-01-01\n    evidence:\n      - ticket: SEC-1\n",
    )
    .unwrap();
    let (json, _) = scan(
        host.path(),
        &[
            "--profile",
            "dspt-caf",
            "--attestations",
            file.to_str().unwrap(),
        ],
    );
    let b2c = requirement(&json, "B2.c");
    assert_eq!(b2c["status"], "not_met", "{b2c:#}");
    assert_eq!(b2c["attestation"]["answer"], "met");
}

#[test]
fn cyber_essentials_and_cmmc_l2_disagree_on_password_length_and_say_why() {
    // minlen = 14: long enough for Cyber Essentials (12), short for CMMC L2 (15).
    let host = fixture_root("accounts-hardened");
    let verdict = |profile: &str| {
        let (json, _) = scan(host.path(), &["--profile", profile]);
        let f = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == "accounts.password-length")
            .unwrap()
            .clone();
        (
            f["outcome"].as_str().unwrap().to_string(),
            f["parameters"]["min_password_length"]["value"]
                .as_u64()
                .unwrap(),
            f["parameters"]["min_password_length"]["source"]["profile"]
                .as_str()
                .unwrap()
                .to_string(),
            f["title"].as_str().unwrap().to_string(),
        )
    };
    let ce = verdict("cyber-essentials");
    let cmmc = verdict("cmmc-l2");
    assert_eq!(ce.0, "pass", "{ce:?}");
    assert_eq!(ce.1, 12);
    assert_eq!(ce.2, "cyber-essentials");
    assert!(ce.3.contains("12"), "{}", ce.3);
    assert_eq!(cmmc.0, "fail", "{cmmc:?}");
    assert_eq!(cmmc.1, 15);
    assert_eq!(cmmc.2, "cmmc-l2");
    assert!(cmmc.3.contains("15"), "{}", cmmc.3);
}

/// Run a scan expecting a usage error; its standard error.
fn refused(args: &[&str]) -> String {
    let host = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = ward()
        .args(["scan", "--quiet", "--root"])
        .arg(host.path())
        .arg("--output")
        .arg(out.path())
        .args(args)
        .assert()
        .code(2);
    assert!(
        !out.path().join("report.json").exists(),
        "no report from a refused run"
    );
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn bad_attestations_are_refused_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = "  - framework: dspt-caf-2024-25\n    requirement: A1.a\n    answer: met\n    owner: SIRO\n    date: 2026-01-01\n    expires: 2099-01-01\n    evidence:\n      - document: minutes\n";
    let cases: [(&str, String, &str); 7] = [
        (
            "unknown-requirement",
            format!("attestations:\n{}", good.replace("A1.a", "Z9.z")),
            ":2:5: framework dspt-caf-2024-25 has no requirement \"Z9.z\"",
        ),
        (
            "unknown-framework",
            format!(
                "attestations:\n{}",
                good.replace("dspt-caf-2024-25", "dspt-2019")
            ),
            ":2:5: unknown framework \"dspt-2019\"",
        ),
        (
            "duplicate",
            format!("attestations:\n{good}{good}"),
            ":10:5: dspt-caf-2024-25 A1.a is already answered at",
        ),
        (
            "no-owner",
            format!(
                "attestations:\n{}",
                good.replace("owner: SIRO", "owner: \" \"")
            ),
            ":2:5: `owner` is empty",
        ),
        (
            "expires-first",
            format!(
                "attestations:\n{}",
                good.replace("2099-01-01", "2025-01-01")
            ),
            "expires 2025-01-01 is before the date 2026-01-01",
        ),
        (
            "unknown-key",
            format!("attestations:\n{good}    approver: CISO\n"),
            ":2:5: attestation: unknown field `approver`",
        ),
        (
            "bad-date",
            format!("attestations:\n{}", good.replace("2026-01-01", "1st Jan")),
            "`date` \"1st Jan\" is not a date",
        ),
    ];
    for (name, text, expect) in cases {
        let file = dir.path().join(format!("{name}.yaml"));
        fs::write(&file, text).unwrap();
        let err = refused(&["--attestations", file.to_str().unwrap()]);
        assert!(
            err.contains(&format!("{}", file.display())) && err.contains(expect),
            "{name}: expected {expect:?} in:\n{err}"
        );
    }
}

#[test]
fn an_automated_requirement_cannot_be_attested() {
    let cat = Catalogue::builtin().unwrap();
    let (fw, req) = cat
        .frameworks
        .iter()
        .find_map(|(id, f)| {
            f.requirements
                .iter()
                .find(|r| r.status == ward::catalogue::Coverage::Automated)
                .map(|r| (id.clone(), r.id.clone()))
        })
        .expect("some framework has an automated requirement");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.yaml");
    fs::write(
        &file,
        format!("attestations:\n  - framework: {fw}\n    requirement: \"{req}\"\n    answer: met\n    owner: x\n    date: 2026-01-01\n    expires: 2099-01-01\n    evidence:\n      - url: https://example.org\n"),
    )
    .unwrap();
    let err = refused(&["--attestations", file.to_str().unwrap()]);
    assert!(err.contains("is automated: the scan answers it"), "{err}");
}

#[test]
fn the_attestation_template_lists_every_manual_and_partial_requirement_and_loads_when_filled() {
    let out = ward()
        .args(["frameworks", "attest-template", "cmmc-2.0", "--level", "1"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let cat = Catalogue::builtin().unwrap();
    let fw = &cat.frameworks["cmmc-2.0"];
    let wanted: Vec<&str> = fw
        .requirements
        .iter()
        .filter(|r| r.level == Some(1) && r.status != ward::catalogue::Coverage::Automated)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(wanted.len(), 15);
    for id in &wanted {
        assert!(text.contains(&format!("requirement: {id}\n")), "{id}");
    }
    assert!(!text.contains("requirement: AC.L2-"), "level 2 left out");
    assert!(text.contains("# Question: "));

    // Unfilled, it is refused (no owner, no evidence); filled in, it loads and answers.
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.yaml");
    fs::write(&blank, &text).unwrap();
    let err = refused(&["--attestations", blank.to_str().unwrap()]);
    assert!(err.contains("`owner` is empty"), "{err}");
    let filled = text
        .replace("owner: \"\"", "owner: \"Facility security officer\"")
        .replace("document: \"\"", "document: \"SSP v3\"")
        .replace("answer: not_met", "answer: met");
    let file = dir.path().join("filled.yaml");
    fs::write(&file, filled).unwrap();
    let host = fixture_root("accounts-hardened");
    let (json, _) = scan(
        host.path(),
        &[
            "--profile",
            "cmmc-l1",
            "--attestations",
            file.to_str().unwrap(),
        ],
    );
    let fwr = &json["frameworks"][0];
    assert_eq!(fwr["summary"]["total"], 15);
    // Every manual requirement is now attested; partial ones are attested or not met.
    for r in fwr["requirements"].as_array().unwrap() {
        assert!(r["attestation"].is_object(), "{}", r["id"]);
        if r["coverage"] == "manual" {
            assert_eq!(r["status"], "attested", "{}", r["id"]);
        }
    }
    // Writing to an existing file is refused.
    ward()
        .args(["frameworks", "attest-template", "cmmc-2.0", "-o"])
        .arg(&file)
        .assert()
        .code(2);
}

#[test]
fn profiles_extend_profiles_and_a_cycle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("profiles")).unwrap();
    fs::write(
        dir.path().join("profiles/ce-strict.yaml"),
        "id: ce-strict\ntitle: CE, stricter\ndescription: Cyber Essentials with 14 characters.\nextends: cyber-essentials\nparameters:\n  min_password_length: 14\n",
    )
    .unwrap();
    let host = fixture_root("accounts-hardened");
    let (json, _) = scan(
        host.path(),
        &[
            "--catalogue",
            dir.path().to_str().unwrap(),
            "--profile",
            "ce-strict",
        ],
    );
    // The parent's framework and its other parameters apply; the child's value wins.
    assert_eq!(json["frameworks"][0]["id"], "cyber-essentials-v3.2");
    let f = |id: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        f("accounts.password-length")["parameters"]["min_password_length"]["value"],
        14
    );
    assert_eq!(
        f("software.patch-deadline")["parameters"]["patch_deadline_days"]["value"],
        14
    );
    assert_eq!(
        f("software.patch-deadline")["parameters"]["patch_deadline_days"]["source"]["profile"],
        "ce-strict"
    );

    fs::write(
        dir.path().join("profiles/a.yaml"),
        "id: a\ntitle: A\ndescription: A.\nextends: b\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("profiles/b.yaml"),
        "id: b\ntitle: B\ndescription: B.\nextends: a\n",
    )
    .unwrap();
    let out = ward()
        .args(["controls", "lint"])
        .arg(dir.path())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned()
        + &String::from_utf8_lossy(&out.get_output().stdout);
    assert!(err.contains("`extends` makes a cycle"), "{err}");
}

#[test]
fn lint_wants_every_check_mapped_by_the_dspt_and_a_us_framework() {
    let mut cat = Catalogue::builtin().unwrap();
    assert_eq!(ward::catalogue::lint(&cat), Vec::<String>::new());
    // Take ssh.root-login out of both DSPT editions, and ssh.ciphers out of every US one.
    for (id, fw) in cat.frameworks.iter_mut() {
        let us = fw.framework.jurisdiction == Some(ward::catalogue::Jurisdiction::Us);
        for r in &mut fw.requirements {
            r.checks.retain(|c| {
                !(id.starts_with("dspt-") && c.check == "ssh.root-login"
                    || us && c.check == "ssh.ciphers")
            });
        }
    }
    let problems = ward::catalogue::lint(&cat);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("check ssh.ciphers is mapped by no requirement of a US framework"));
    assert!(problems[1].contains("check ssh.root-login is mapped by no requirement of the DSPT"));
}
