//! The short coloured summary printed on a terminal after a scan.
//!
//! (Helper fills in.)

use super::Report;

/// A plain-text summary; `color` adds ANSI colours.
pub fn summary(report: &Report, color: bool) -> String {
    let _ = color;
    format!(
        "{} checks: {} pass, {} fail, {} error\n",
        report.summary.total, report.summary.pass, report.summary.fail, report.summary.error
    )
}
