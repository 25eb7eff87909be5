//! Using Ward as a library: scan a host root with the built-in catalogue, judge its software
//! with the feeds of a data directory (or Ward's embedded snapshot when there are none), and
//! print one line per failed check.
//!
//! ```sh
//! cargo run --example scan_root -- tests/fixtures/hosts/weak [DATA_DIR]
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use ward::catalogue::Catalogue;
use ward::eval::Outcome;
use ward::facts;
use ward::feeds::{assess, eol, knowledge::Knowledge};
use ward::host_root::HostRoot;
use ward::report::Report;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "/".to_string());
    let root = match HostRoot::new(&dir) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("scan_root: {e}");
            return ExitCode::from(2);
        }
    };
    let catalogue = match Catalogue::builtin() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("scan_root: {e}");
            return ExitCode::from(2);
        }
    };
    // Every check, every framework; `select(Some("dspt-technical"), &[])` would pick a profile.
    let selection = catalogue
        .select(None, &[])
        .expect("the built-in catalogue has no profile to get wrong here");
    let facts = facts::collect(&root, &catalogue.plan_for(&selection));
    // Feed data is joined at evaluation: an empty or missing directory leaves the embedded
    // KEV and end-of-life snapshot, and the vulnerability checks report `error`.
    let data_dir = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "/nonexistent".to_string());
    let knowledge = Knowledge::open(std::path::Path::new(&data_dir));
    let map = eol::builtin_map().expect("the built-in product map parses");
    let software = assess::assess(&facts, &knowledge, &map, assess::today(), 30);
    let report = Report::evaluate_with(&catalogue, &selection, &facts, Some(software));
    for f in report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
    {
        let at = f
            .evidence
            .first()
            .map(|e| match e.line {
                Some(l) => format!("{}:{l}", e.source),
                None => e.source.clone(),
            })
            .unwrap_or_default();
        println!("{:<8} {:<36} {at}", f.severity.as_str(), f.check);
    }
    println!(
        "{} of {} checks failed",
        report.summary.fail, report.summary.total
    );
    if let Some(sw) = &report.software {
        println!(
            "{} vulnerable package(s); feeds: {}",
            sw.vulnerable.len(),
            sw.feeds
                .iter()
                .map(|f| format!("{} dated {}", f.kind, f.date.get(..10).unwrap_or(&f.date)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    ExitCode::SUCCESS
}
