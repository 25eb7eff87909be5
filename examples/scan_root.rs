//! Using Ward as a library: scan a host root with the built-in catalogue and print one line
//! per failed check.
//!
//! ```sh
//! cargo run --example scan_root -- tests/fixtures/hosts/weak
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use ward::catalogue::Catalogue;
use ward::eval::{self, Outcome};
use ward::facts;
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
    let findings = eval::evaluate(&catalogue, &selection, &facts);
    let report = Report::build(&catalogue, &selection, &facts, findings);
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
    ExitCode::SUCCESS
}
