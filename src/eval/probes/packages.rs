//! Installed packages (`package` probes), from the package inventory.

use crate::catalogue::test::PackageTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::packages::Inventory;
use crate::facts::{Fact, Facts};

pub(super) fn package(t: &PackageTest, facts: &Facts) -> Verdict {
    let pkgs = collected!(facts => Inventory, EvidenceSource::collector("installed packages"));
    let found = pkgs.packages.iter().find(|p| p.name == t.name);
    let expected = if t.installed {
        "installed"
    } else {
        "not installed"
    };
    match (found, t.installed) {
        (Some(p), want) => {
            let ev = vec![Evidence::new(
                EvidenceSource::origin(&p.origin),
                format!("{} {} ({}) installed", p.name, p.version, p.status),
                expected,
            )];
            let reason = format!("{} {} is installed", p.name, p.version);
            if want {
                Verdict::pass(reason, ev)
            } else {
                Verdict::fail(reason, ev)
            }
        }
        (None, want) => {
            let ev = vec![Evidence::new(
                EvidenceSource::file(&pkgs.database, None),
                format!("{} not installed", t.name),
                expected,
            )];
            let reason = format!("{} is not installed", t.name);
            if want {
                Verdict::fail(reason, ev)
            } else {
                Verdict::pass(reason, ev)
            }
        }
    }
}
